//! The BERT encoder's forward pass on candle: embeddings, then self-attention layers
//! (post-norm, as in the original), with the weights of a Hugging Face `BertModel`.

use candle_core::{Module, Tensor};
use candle_nn::{Embedding, LayerNorm, VarBuilder};

use super::Config;

/// The feed-forward activation named by `hidden_act`.
#[derive(Debug, Clone, Copy)]
pub(super) enum Activation {
    /// The exact (erf) GELU, which BERT's "gelu" means.
    Gelu,
    /// The tanh approximation ("gelu_new", "gelu_pytorch_tanh").
    GeluTanh,
    Relu,
}

impl Activation {
    pub(super) fn parse(name: &str) -> Option<Activation> {
        match name {
            "gelu" => Some(Activation::Gelu),
            "gelu_new" | "gelu_pytorch_tanh" | "gelu_fast" => Some(Activation::GeluTanh),
            "relu" => Some(Activation::Relu),
            _ => None,
        }
    }

    fn apply(self, x: &Tensor) -> candle_core::Result<Tensor> {
        match self {
            Activation::Gelu => x.gelu_erf(),
            Activation::GeluTanh => x.gelu(),
            Activation::Relu => x.relu(),
        }
    }
}

/// A BERT encoder: embeddings, then self-attention layers (post-norm, as in the original).
pub(super) struct Bert {
    word: Embedding,
    position: Embedding,
    /// Token type 0's vector: every sentence is a single segment.
    segment: Tensor,
    norm: LayerNorm,
    layers: Vec<Layer>,
    heads: usize,
}

struct Layer {
    query: Dense,
    key: Dense,
    value: Dense,
    attention_out: Dense,
    attention_norm: LayerNorm,
    intermediate: Dense,
    output: Dense,
    output_norm: LayerNorm,
    act: Activation,
}

impl Bert {
    pub(super) fn load(vb: VarBuilder, c: &Config, act: Activation) -> candle_core::Result<Bert> {
        let h = c.hidden_size;
        let emb = vb.pp("embeddings");
        let segments = candle_nn::embedding(c.type_vocab_size, h, emb.pp("token_type_embeddings"))?;
        let layers = (0..c.num_hidden_layers)
            .map(|i| {
                let l = vb.pp(format!("encoder.layer.{i}"));
                let attention = l.pp("attention");
                Ok(Layer {
                    query: Dense::load(h, h, attention.pp("self.query"))?,
                    key: Dense::load(h, h, attention.pp("self.key"))?,
                    value: Dense::load(h, h, attention.pp("self.value"))?,
                    attention_out: Dense::load(h, h, attention.pp("output.dense"))?,
                    attention_norm: candle_nn::layer_norm(
                        h,
                        c.layer_norm_eps,
                        attention.pp("output.LayerNorm"),
                    )?,
                    intermediate: Dense::load(h, c.intermediate_size, l.pp("intermediate.dense"))?,
                    output: Dense::load(c.intermediate_size, h, l.pp("output.dense"))?,
                    output_norm: candle_nn::layer_norm(
                        h,
                        c.layer_norm_eps,
                        l.pp("output.LayerNorm"),
                    )?,
                    act,
                })
            })
            .collect::<candle_core::Result<Vec<Layer>>>()?;
        Ok(Bert {
            word: candle_nn::embedding(c.vocab_size, h, emb.pp("word_embeddings"))?,
            position: candle_nn::embedding(
                c.max_position_embeddings,
                h,
                emb.pp("position_embeddings"),
            )?,
            segment: segments.embeddings().get(0)?,
            norm: candle_nn::layer_norm(h, c.layer_norm_eps, emb.pp("LayerNorm"))?,
            layers,
            heads: c.num_attention_heads,
        })
    }

    /// Token vectors `[batch, tokens, hidden]` of `ids` `[batch, tokens]`; `mask` is 1 for
    /// real tokens and 0 for padding.
    pub(super) fn forward(&self, ids: &Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
        let (_, len) = ids.dims2()?;
        let positions = Tensor::arange(0u32, len as u32, ids.device())?.unsqueeze(0)?;
        let x = self
            .word
            .forward(ids)?
            .broadcast_add(&self.position.forward(&positions)?)?
            .broadcast_add(&self.segment)?;
        let mut x = self.norm.forward(&x)?;
        // Padding gets a large negative score before the softmax, so no token attends to it.
        let bias = ((mask.unsqueeze(1)?.unsqueeze(1)? - 1.0)? * 1e4)?;
        for layer in &self.layers {
            x = layer.forward(&x, &bias, self.heads)?;
        }
        Ok(x)
    }
}

/// A fully connected layer whose weight is kept transposed (`[in, out]`, contiguous): the
/// stored `[out, in]` layout would have the matrix product repack the whole weight on every
/// call, which for a sentence of a dozen tokens costs as much as the arithmetic.
struct Dense {
    weight: Tensor,
    bias: Tensor,
}

impl Dense {
    fn load(input: usize, output: usize, vb: VarBuilder) -> candle_core::Result<Dense> {
        Ok(Dense {
            weight: vb.get((output, input), "weight")?.t()?.contiguous()?,
            bias: vb.get(output, "bias")?,
        })
    }

    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let (batch, len, input) = x.dims3()?;
        let output = self.weight.dim(1)?;
        x.reshape((batch * len, input))?
            .matmul(&self.weight)?
            .broadcast_add(&self.bias)?
            .reshape((batch, len, output))
    }
}

impl Layer {
    fn forward(&self, x: &Tensor, bias: &Tensor, heads: usize) -> candle_core::Result<Tensor> {
        let (batch, len, hidden) = x.dims3()?;
        let head = hidden / heads;
        let split = |t: Tensor| -> candle_core::Result<Tensor> {
            t.reshape((batch, len, heads, head))?
                .transpose(1, 2)?
                .contiguous()
        };
        let q = split(self.query.forward(x)?)?;
        let k = split(self.key.forward(x)?)?;
        let v = split(self.value.forward(x)?)?;
        let scores = (q.matmul(&k.t()?.contiguous()?)? / (head as f64).sqrt())?;
        let weights = candle_nn::ops::softmax_last_dim(&scores.broadcast_add(bias)?)?;
        let context = weights
            .matmul(&v)?
            .transpose(1, 2)?
            .contiguous()?
            .reshape((batch, len, hidden))?;
        let attended = self
            .attention_norm
            .forward(&(self.attention_out.forward(&context)? + x)?)?;
        let inner = self.act.apply(&self.intermediate.forward(&attended)?)?;
        self.output_norm
            .forward(&(self.output.forward(&inner)? + &attended)?)
    }
}
