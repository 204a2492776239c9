//! The semantic side of the matcher (with `--nlu-model`): every sample's sentence embedding,
//! grouped by task, and the score an utterance's embedding gives each task.
//!
//! A task's semantic score is half its best sample's cosine and half its centroid's (the mean
//! of its samples' unit vectors, renormalised): the best sample catches a request phrased like
//! one sample, the centroid pools what the samples have in common. The cosine is rescaled so
//! that what unrelated sentences reach anyway ([`UNRELATED`]) and below count as 0: the score
//! lives in 0..=1 like the string matcher's, with the same meaning at 0, and the two are fused
//! (see [`super::matcher::Matcher::with_model`]).

use std::ops::Range;
use std::sync::Arc;

use super::embedding::{Model, ModelError};

/// Share of the best sample's cosine in a task's semantic score; the rest is the centroid's.
const BEST_SAMPLE_SHARE: f32 = 0.5;

/// A cosine that sentences about unrelated things reach anyway (sentence embeddings are not
/// spread over the whole sphere): it maps to a semantic score of 0, so that, like a string
/// score, the semantic score is near 0 for a request that has nothing to do with a task. On the
/// development data 0.25 and 0.4 were within a point of each other and of no floor.
const UNRELATED: f32 = 0.25;

/// Sample embeddings by task, and the model that made them (which embeds utterances the same
/// way).
#[derive(Debug)]
pub struct Semantics {
    model: Arc<Model>,
    dim: usize,
    /// Unit vectors of every sample, back to back, tasks in order.
    vectors: Vec<f32>,
    /// Task -> its samples' rows in `vectors`.
    task_samples: Vec<Range<usize>>,
    /// Task -> its centroid (unit length; zeros for a task without samples), back to back.
    centroids: Vec<f32>,
}

impl Semantics {
    /// Embeds every sample of `tasks` (task ids are indexes, as for the matcher).
    pub fn new(model: Arc<Model>, tasks: &[Vec<String>]) -> Result<Semantics, ModelError> {
        let texts: Vec<&str> = tasks.iter().flatten().map(String::as_str).collect();
        let vectors = model.embed_all(&texts)?;
        let mut rows = vectors.into_iter();
        let per_task: Vec<Vec<Vec<f32>>> = tasks
            .iter()
            .map(|samples| rows.by_ref().take(samples.len()).collect())
            .collect();
        Ok(Semantics::from_vectors(model, per_task))
    }

    /// An index over given vectors (`per_task[t]` are task t's samples' unit vectors).
    pub(crate) fn from_vectors(model: Arc<Model>, per_task: Vec<Vec<Vec<f32>>>) -> Semantics {
        let dim = model.dim();
        let mut vectors = Vec::new();
        let mut task_samples = Vec::with_capacity(per_task.len());
        let mut centroids = vec![0.0f32; per_task.len() * dim];
        for (task, samples) in per_task.iter().enumerate() {
            let start = vectors.len() / dim;
            let centroid = &mut centroids[task * dim..(task + 1) * dim];
            for v in samples {
                // One row per sample, whatever happens, so that `sample(task, i)` is sample i;
                // a vector of the wrong length (never made by the model) counts as nothing.
                if v.len() == dim {
                    vectors.extend_from_slice(v);
                    for (c, x) in centroid.iter_mut().zip(v) {
                        *c += x;
                    }
                } else {
                    vectors.extend(std::iter::repeat_n(0.0, dim));
                }
            }
            let norm = centroid.iter().map(|x| x * x).sum::<f32>().sqrt();
            if norm > 0.0 {
                centroid.iter_mut().for_each(|c| *c /= norm);
            }
            task_samples.push(start..vectors.len() / dim);
        }
        Semantics {
            model,
            dim,
            vectors,
            task_samples,
            centroids,
        }
    }

    /// The model, for embedding utterances.
    pub fn model(&self) -> &Arc<Model> {
        &self.model
    }

    /// Task `task`'s sample `i`'s vector (samples in the order the index was given them).
    pub(crate) fn sample(&self, task: usize, i: usize) -> Option<&[f32]> {
        let row = self.task_samples.get(task)?.clone().nth(i)?;
        self.vectors.get(row * self.dim..(row + 1) * self.dim)
    }

    /// Every task's semantic score for an utterance's unit vector `query` (0 for tasks without
    /// samples, and for every task if `query` has the wrong length).
    pub fn task_scores(&self, query: &[f32]) -> Vec<f32> {
        let mut scores = vec![0.0f32; self.task_samples.len()];
        if query.len() != self.dim {
            return scores;
        }
        for (task, rows) in self.task_samples.iter().enumerate() {
            if rows.is_empty() {
                continue;
            }
            let best = rows
                .clone()
                .map(|r| dot(query, &self.vectors[r * self.dim..(r + 1) * self.dim]))
                .fold(f32::MIN, f32::max);
            let centroid = dot(
                query,
                &self.centroids[task * self.dim..(task + 1) * self.dim],
            );
            let cosine = BEST_SAMPLE_SHARE * best + (1.0 - BEST_SAMPLE_SHARE) * centroid;
            let score = (cosine - UNRELATED) / (1.0 - UNRELATED);
            scores[task] = if score.is_finite() {
                score.clamp(0.0, 1.0)
            } else {
                0.0
            };
        }
        scores
    }
}

/// The dot product, summed in eight lanes: a 1,000-task assistant has 20,000 samples to compare
/// an utterance with, and a single running sum cannot be vectorised (float addition is not
/// associative, so the compiler keeps its order).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a8
        .remainder()
        .iter()
        .zip(b8.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a8.zip(b8) {
        for k in 0..8 {
            lanes[k] += x[k] * y[k];
        }
    }
    lanes.iter().sum::<f32>() + tail
}
