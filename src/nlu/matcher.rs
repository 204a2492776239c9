//! The intent matcher: picks the task whose sample utterances a caller's transcript is closest
//! to, or declines when it is not confident enough.
//!
//! # Approach
//!
//! Each task is defined by a handful of samples and the input is a speech-recognition
//! transcript with dropped, merged, misspelt and homophone words. The words themselves are
//! the language's ([`Lexicon`], from the assistant's `"language"`): its fillers, stop words,
//! question words, class words and stemmer, and, for Mandarin, whose every character is a
//! token here, the pinyin that repairs a recogniser's homophone. Two feature families:
//!
//! - **Words**: unigrams and adjacent bigrams of the normalised (see [`super::text`]),
//!   filler-free, Snowball-stemmed tokens ("bookings", "booked" -> "book"). Stop words keep
//!   their full weight: many intents live in function words ("what is your name" vs "what is
//!   my name"). Numbers, weekdays and months become class tokens, since "a table for 4 on
//!   Friday" and "for 6 on Sunday" are the same request. Each feature is weighted by its IDF
//!   over *tasks* (a word in every task's samples says nothing about which task is meant).
//! - **Character n-grams** (3 to 5 characters) of the content words run together without
//!   spaces: partial credit for misspellings ("regster" / "register"), and merged or split
//!   words ("signup" / "sign up") produce the same n-grams.
//!
//! Before the word features are built, each token the index has never seen is repaired against
//! the samples' own vocabulary: two adjacent words joined or one word split when that gives
//! words of the samples ("forflights" -> "for" "flights"), else a typo-tolerant lookup (edit
//! distance 1 for words of up to 5 letters, 2 for longer ones; candidates come from a map of
//! every content word's one-character deletions, so a lookup is a few hash probes), or a
//! derived form sharing a long prefix; in Mandarin, a character the samples lack becomes one
//! of theirs that sounds the same (the one that makes a word pair of theirs with a neighbour).
//! A repaired word counts at reduced strength.
//!
//! # Scoring
//!
//! A task's score is half **similarity** and half **linear layer**:
//!
//! - Similarity: `0.2 * best sample + 0.6 * centroid + 0.2 * coverage`, floored at the best
//!   sample's similarity squared (a verbatim sample scores high on its own), where a sample's
//!   similarity is `0.6 * cos(words) + 0.4 * cos(chars)`, the centroid is the sum of the
//!   task's samples' unit vectors, and coverage is the share of the utterance's weight found in
//!   the task's samples. The utterance's norm includes words the index has never seen, so a
//!   request about something else scores low however many function words it shares.
//! - Linear layer: softmax regression from the same features to tasks, trained on the samples
//!   by gradient descent at load (`train_linear`), with weights only where a feature occurs
//!   in a task's samples. It learns which words tell confusable tasks apart, which a centroid
//!   cannot; its probability ranks better, the similarity has the absolute level that
//!   declining needs, and the two halves together beat either (bench/nlu/RESULTS.md).
//!
//! # Confidence and declining
//!
//! The confidence is the best task's score raised by its lead over the runner-up,
//! `(s1 + 0.5 (s1 - s2)) / 1.5`: the raw score carries most of the decision, since a genuine
//! request often has a close runner-up among many tasks and a far-fetched one often has a
//! clearly-best but weak task. Below the threshold the matcher declines, and it also declines
//! a best task that shares no content word with the utterance ("what's the capital of France"
//! against a task whose sample is "what can you do").
//!
//! The threshold calibrates itself per assistant at load (`calibrated_threshold`): samples
//! held out from a copy of the index (as written and garbled) are the genuine requests, and
//! samples of tasks left out of it plus a built-in list of out-of-scope requests in the
//! assistant's language are the ones to decline; the threshold is the one that separates them best. So a 5-task bot and a
//! 150-task bot both work without anyone setting `nlu.threshold`, which stays an override.
//!
//! # With a sentence-embedding model
//!
//! Given a model ([`Matcher::with_model`], `--nlu-model`), every sample is embedded at load
//! and each utterance per turn (after the same word repair, see [`Matcher::model_text`]), and a
//! task's score becomes the mean of its string score and its semantic score ([`Semantics`]).
//! The string side still catches typos, merged words and exact phrasings; the model catches
//! paraphrase, so the content-word check is dropped. The threshold calibrates on the fused
//! scores as it does on string scores. Every task is scored (no pruning: a task can be
//! semantically close while sharing no feature).
//!
//! Trade-offs: without a model this is a lexical matcher. It has no notion of synonyms it has
//! not seen in the samples ("reservation" vs "booking" only match through shared letters), so
//! bot authors still need varied samples; in exchange it needs no model file, is
//! deterministic, explains itself ([`Matcher::scores`]), and builds in well under a second.
//!
//! # Cost
//!
//! Features are looked up in inverted indexes (feature -> postings of `(sample, weight)`, and
//! feature -> `(task, linear weight)`), so `classify` touches only samples sharing at least one
//! feature with the utterance, and utterances are capped at [`MAX_TOKENS`] tokens so cost is
//! bounded for any input. In large assistants the few very common features (in more than 128
//! samples) would dominate; they are added only to samples already found through rarer
//! features (and carry no linear weight), and an upper bound on what any other task could score
//! decides whether an exhaustive pass is needed. Measured (`cargo bench --bench matcher`, 2
//! cores): ~33-39 us per utterance at 150 tasks x 10 samples, 120-230 us at 1,000 x 20;
//! building, with the calibration beside it on both cores, ~30 ms for 15 x 10, ~75 ms for
//! 150 x 10, ~0.25 s for 1,000 x 20.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use std::sync::Arc;

use super::embedding::{Model, ModelError};
use super::lang::lexicon::{Class, Lexicon};
use super::semantic::Semantics;
use super::text;

/// Tuning knobs; Default gives the shipped defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatcherConfig {
    /// A fixed decline threshold on the confidence (`nlu.threshold` in `assistant.json`). None,
    /// the default, lets the matcher choose one for its own assistant at load (see
    /// [`Matcher::threshold`]).
    pub threshold: Option<f32>,
    /// The words of the assistant's language (`"language"` in `assistant.json`): stop words,
    /// stemming, homophones and the out-of-scope requests calibration declines. English by
    /// default.
    pub lexicon: &'static Lexicon,
}

impl Default for MatcherConfig {
    fn default() -> Self {
        MatcherConfig {
            threshold: None,
            lexicon: &crate::nlu::lang::lexicon::ENGLISH,
        }
    }
}

/// Weight of the lead over the runner-up in the confidence: `(s1 + λ(s1 − s2)) / (1 + λ)`.
/// A genuine request often has a close runner-up among many tasks, and a far-fetched one often
/// has a clearly-best but weak task, so the raw score carries most of the decision and the lead
/// only nudges it (declining on the ratio of the two was the worst rule measured).
const LEAD_WEIGHT: f32 = 0.5;

/// Share of the linear layer's probability in a task's score; the rest is the similarity
/// (best sample, centroid, coverage). The layer ranks better (it learns which words tell
/// confusable tasks apart); the similarity has an absolute level that does not depend on the
/// number of tasks, which declining needs. Half and half was best on the development data
/// (bench/nlu/RESULTS.md), 0.3 and 0.7 within a point.
const LINEAR_SHARE: f32 = 0.5;
/// Initial learning rate of the linear layer's gradient descent; it decays as 1/(1 + epoch).
const LINEAR_RATE: f32 = 3.0;
/// L2 weight decay of the linear layer.
const LINEAR_L2: f32 = 0.0001;
/// Weight updates per training run (the sum over epochs of every sample's features' task
/// lists): fewer epochs for large assistants keeps load time bounded.
const LINEAR_BUDGET: f32 = 1e7;
/// Most epochs of training, for small assistants.
const LINEAR_EPOCHS: f32 = 10.0;

/// The threshold used until calibration has run, and the prior calibration shrinks towards.
const PRIOR_THRESHOLD: f32 = 0.12;

/// The semantic score's share of a fused score, with a sentence-embedding model. Half and half
/// was best on the development data (0.25, 0.35 and 0.75 measured; so was choosing the share
/// per assistant at calibration, which was no better: held-out samples are worded like the
/// other samples, so they undervalue the model).
const SEMANTIC_SHARE: f32 = 0.5;

/// Fuses string scores with semantic ones.
fn fuse(scores: &mut [f32], semantic: &[f32]) {
    for (score, sem) in scores.iter_mut().zip(semantic) {
        *score = (1.0 - SEMANTIC_SHARE) * *score + SEMANTIC_SHARE * sem;
    }
}

/// The confidence of a best score `s1` with runner-up `s2`.
fn confidence(s1: f32, s2: f32) -> f32 {
    let c = (s1 + LEAD_WEIGHT * (s1 - s2).max(0.0)) / (1.0 + LEAD_WEIGHT);
    if c.is_finite() {
        c.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// Why the matcher decided what it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The confidence cleared the threshold.
    Matched,
    /// The confidence was below the threshold, or there was no candidate at all.
    BelowThreshold,
    /// The best task shares no content word with the utterance, whatever its confidence: only
    /// words like "what" and "the" in common.
    Unrelated,
    /// Nothing usable in the utterance (empty, only punctuation or filler such as "um").
    Empty,
}

/// The outcome of [`Matcher::classify`].
#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    /// The chosen task, or None when the matcher declines.
    pub task: Option<usize>,
    /// Confidence in 0..=1 that the best candidate is right: its score, raised by its lead
    /// over the runner-up (reported even when declining, so authors can see how close it was).
    pub confidence: f32,
    /// The best candidate with its score (None when no candidate task shares anything with the
    /// utterance).
    pub best: Option<(usize, f32)>,
    /// The runner-up (a different task than `best`) with its score. In large assistants a
    /// runner-up far behind may be taken only among tasks sharing a distinctive feature with
    /// the utterance (see [`Matcher::scores`] for exact scores of every task); the confidence
    /// then assumes the runner-up as strong as any pruned task could be.
    pub next_best: Option<(usize, f32)>,
    /// Why the decision was made.
    pub decision: Decision,
    /// With a sentence-embedding model, the two halves of the best task's score.
    pub parts: Option<Parts>,
}

/// The two sides of a fused score (see [`Matcher::with_model`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Parts {
    /// The string matcher's score.
    pub string: f32,
    /// The sentence-embedding similarity (see [`Semantics::task_scores`]).
    pub semantic: f32,
}

/// Utterances are cut to this many tokens (after dropping fillers). A phone turn is far
/// shorter; the cap only bounds the cost of pathological input.
pub const MAX_TOKENS: usize = 64;

/// Features in more samples than this are "common": in large assistants they are scored only
/// for samples that share a rarer feature with the utterance (see `Matcher::task_scores`).
/// Assistants with fewer samples than this are always scored exhaustively.
const COMMON_POSTINGS: usize = 128;
/// Share of the word family in a sample's similarity; the rest is the character n-gram family.
/// Words are more precise, n-grams more robust to recogniser errors.
const WORD_SHARE: f32 = 0.6;
/// Shares of a task's score: best single sample, task centroid, coverage (they sum to 1).
/// The centroid (the sum of the task's samples' unit vectors) pools evidence across samples
/// the way a linear classifier does: a word in most of a task's samples ("card" in a lost-card
/// task) weighs more than one that occurs once, which the best single sample cannot see.
const MAX_SHARE: f32 = 0.2;
const CENTROID_SHARE: f32 = 0.6;
/// Coverage grows with the number of samples a task has, so its share stays small.
const COVERAGE_SHARE: f32 = 0.2;

/// A task's score from its best sample's similarity, its centroid similarity and its coverage.
fn combine(max_sim: f32, centroid: f32, cov: f32) -> f32 {
    let blend = MAX_SHARE * max_sim + CENTROID_SHARE * centroid + COVERAGE_SHARE * cov;
    // A (near-)verbatim sample is strong evidence on its own, however different the task's
    // other samples are: max_sim^2 keeps a repeated sample at 1.0 and 0.9 at 0.81, while a
    // paraphrase (max_sim around 0.5) is scored by the blend.
    let score = blend.max(max_sim * max_sim);
    if score.is_finite() {
        score.clamp(0.0, 1.0)
    } else {
        0.0
    }
}
// Every word feature counts in full, stop words, numbers and bigrams alike: many intents live
// in function words ("what is your name" / "what is my name"), a number is part of how a task
// is asked ("press 1 for sales"), and IDF already discounts what every task says. Halving stop
// words cost 3 points closed-set on the development data, halving numbers up to 1.6.
/// Character n-gram lengths.
const NGRAM_MIN: usize = 3;
const NGRAM_MAX: usize = 5;
/// Length bounds (in characters) of words eligible for typo-tolerant lookup. Shorter words have
/// too many neighbours at distance 1 to correct safely.
const FUZZY_MIN_LEN: usize = 4;
const FUZZY_MAX_LEN: usize = 24;
/// Shortest shared prefix for matching a derived form ("registration" -> "register"); shorter
/// prefixes ("conf", "inte") join unrelated words.
const PREFIX_LEN: usize = 5;
/// Extra discount on any typo correction: it is a guess, so it should never count as much as
/// the word actually said.
const FUZZY_PENALTY: f32 = 0.9;
/// Number class tokens.
const NUM: &str = "#";
const ORD: &str = "#th";
/// Class tokens for days and months: "open on Saturday" should match "open on Sunday" the way
/// "table for 4" matches "table for 6" (Autopilot's built-in DAY_OF_WEEK/MONTH field types).
const DAY: &str = "#day";
const MONTH: &str = "#month";

/// An index over every task's samples, built once at load time; immutable and Send + Sync
/// afterwards.
#[derive(Debug, Clone)]
pub struct Matcher {
    config: MatcherConfig,
    /// Confidence below which the matcher declines.
    threshold: f32,
    num_tasks: usize,
    /// Task of each indexed sample.
    sample_task: Vec<u32>,
    /// Task -> its samples, a contiguous range of sample indexes (samples are indexed in task
    /// order).
    task_samples: Vec<std::ops::Range<u32>>,
    /// Task -> norm of its centroid (the sum of its samples' unit vectors), per family.
    centroid_norm: Vec<[f32; 2]>,
    /// Whether task i has at least one usable sample.
    task_has_samples: Vec<bool>,
    /// IDF of a feature the index has never seen (as rare as possible: one task).
    oov_idf: f32,
    words: Family,
    chars: Family,
    /// Word-family vocabulary: unigram ("book") and bigram ("book table") keys -> feature ids.
    word_ids: FxHashMap<String, u32>,
    /// Character-family vocabulary: packed n-grams (see [`Gram`]) -> feature ids.
    char_ids: FxHashMap<Gram, u32>,
    /// Every word of the samples as written -> its stem: stems without running the stemmer,
    /// and the known words that merged and split words are checked against.
    surface: FxHashMap<String, String>,
    /// Stem -> a word of the samples with that stem: how a repaired word is spelt for the
    /// sentence-embedding model, which reads words, not stems.
    spelling: FxHashMap<String, String>,
    /// Content words eligible as typo corrections.
    fuzzy_words: Vec<String>,
    /// Task -> the content words (not stop words) of its samples with their stems, for the
    /// evidence check in `classify`.
    task_content: Vec<Vec<(String, String)>>,
    /// Each fuzzy word and each of its one-character deletions -> indexes into `fuzzy_words`.
    deletions: FxHashMap<String, Vec<u32>>,
    /// First [`PREFIX_LEN`] characters of each fuzzy word -> indexes into `fuzzy_words`.
    prefixes: FxHashMap<String, Vec<u32>>,
    /// In a language that groups homophones ([`Lexicon::sound`]): a sound -> the content words
    /// of the samples with that sound, sorted.
    sounds: FxHashMap<&'static str, Vec<String>>,
    /// With a sentence-embedding model: the samples' embeddings, fused into every score.
    semantics: Option<Arc<Semantics>>,
}

/// One feature family: IDF, postings and per-sample vectors and norms, indexed by feature id
/// (the vocabulary that maps keys to ids is `Matcher::word_ids` / `char_ids`).
#[derive(Debug, Clone, Default)]
struct Family {
    idf: Vec<f32>,
    /// Feature -> (sample, weight in that sample's vector), by ascending sample.
    postings: Rows<(u32, f32)>,
    /// Feature -> distinct tasks whose samples contain it, ascending.
    tasks: Rows<u32>,
    /// Sample -> Euclidean norm of its vector.
    sample_norm: Vec<f32>,
    /// Sample -> its vector, sorted by feature id (for scoring common features by lookup).
    forward: Rows<(u32, f32)>,
    /// The linear layer's weights, one per entry of `tasks` (feature f's weight for task
    /// `tasks.row(f)[i]` is `linear[tasks.starts[f] + i]`). Zero for common features.
    linear: Vec<f32>,
}

impl Family {
    /// Feature `id`'s tasks with the index of each one's linear weight.
    fn task_weights(&self, id: u32) -> impl Iterator<Item = (usize, u32)> + '_ {
        let start = self.tasks.starts[id as usize] as usize;
        self.tasks
            .row(id as usize)
            .iter()
            .enumerate()
            .map(move |(i, &t)| (start + i, t))
    }

    /// Whether feature `id` is in so many samples that it is scored only for candidates (and
    /// carries no linear weight).
    fn is_common(&self, id: u32) -> bool {
        self.postings.row(id as usize).len() > COMMON_POSTINGS
    }
}

/// A list of rows of varying length stored back to back in one vector ("compressed sparse
/// rows"). A 1,000-task assistant has tens of thousands of features, and one `Vec` per
/// feature's postings made building (and dropping) the index mostly allocator work.
#[derive(Debug, Clone)]
struct Rows<T> {
    /// Row i is `items[starts[i]..starts[i + 1]]`; always starts with 0.
    starts: Vec<u32>,
    items: Vec<T>,
}

impl<T> Default for Rows<T> {
    fn default() -> Self {
        Rows {
            starts: vec![0],
            items: Vec::new(),
        }
    }
}

impl<T> Rows<T> {
    fn row(&self, i: usize) -> &[T] {
        &self.items[self.starts[i] as usize..self.starts[i + 1] as usize]
    }

    fn len(&self) -> usize {
        self.starts.len() - 1
    }

    /// Appends a row.
    fn push_row(&mut self, row: impl IntoIterator<Item = T>) {
        self.items.extend(row);
        self.starts.push(self.items.len() as u32);
    }
}

impl Rows<(u32, f32)> {
    /// The transpose of rows of (column, weight): column -> (row, weight) rows for `columns`
    /// columns, each by ascending row, entries of one row in the order they come in it (sample
    /// -> (feature, weight) becomes feature -> (sample, weight), and back). A counting sort:
    /// linear, with no comparisons and no row grown by reallocation.
    fn transpose(&self, columns: usize) -> Rows<(u32, f32)> {
        let mut starts = vec![0u32; columns + 1];
        for &(id, _) in &self.items {
            starts[id as usize + 1] += 1;
        }
        for i in 0..columns {
            starts[i + 1] += starts[i];
        }
        let mut next = starts.clone();
        let mut items = vec![(0, 0.0); self.items.len()];
        for row in 0..self.len() {
            for &(id, w) in self.row(row) {
                let at = &mut next[id as usize];
                items[*at as usize] = (row as u32, w);
                *at += 1;
            }
        }
        Rows { starts, items }
    }
}

/// FxHash, the hash rustc uses for its own tables: a rotate, xor and multiply per 8 bytes,
/// several times faster than the default SipHash on the short keys interned here (building a
/// 1,000-task index hashes a few million keys). SipHash's protection against chosen collisions
/// is not needed: every table is built from the bot author's samples; a caller's utterance
/// only looks keys up, which cannot degrade a table.
#[derive(Default, Clone, Copy)]
struct FxHasher {
    hash: u64,
}

impl FxHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_u128(&mut self, i: u128) {
        self.add(i as u64);
        self.add((i >> 64) as u64);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        // The multiply leaves the best-mixed bits at the top, but hashbrown picks buckets with
        // the low bits: rotate the top ones down (as rustc-hash 2 does).
        self.hash.rotate_left(26)
    }
}

type FxHashMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// A character n-gram of up to [`NGRAM_MAX`] characters packed into an integer, 22 bits per
/// character (code point + 1, so no character packs to 0 and n-grams of different lengths
/// differ). Interning integers rather than `String`s saves an allocation and a string hash
/// per n-gram: a 1,000-task assistant has well over a million of them.
type Gram = u128;

const _: () = assert!(NGRAM_MAX * 22 <= Gram::BITS as usize);

/// Packs `chars` (at most [`NGRAM_MAX`]) into a [`Gram`].
fn gram(chars: &[char]) -> Gram {
    chars
        .iter()
        .fold(0, |key, &c| (key << 22) | (c as Gram + 1))
}

/// The id of `key` in a vocabulary whose ids are `0..len`, adding it with the next id if new.
fn intern(ids: &mut FxHashMap<String, u32>, key: &str) -> u32 {
    if let Some(&id) = ids.get(key) {
        return id;
    }
    let id = ids.len() as u32;
    ids.insert(key.to_owned(), id);
    id
}

/// The distinct tokens of an assistant's samples with what [`Matcher::new`] derives from each
/// (stem, stop word or not…), computed once per token instead of once per occurrence.
#[derive(Default)]
struct TokenTable {
    ids: FxHashMap<String, u32>,
    tokens: Vec<Token>,
    stem_ids: FxHashMap<String, u32>,
    stems: Vec<Stem>,
}

/// A distinct token of the samples.
struct Token {
    text: String,
    /// Index into `TokenTable::stems`.
    stem: u32,
    /// [`Lexicon::is_stop_word`]: left out of character n-grams.
    stop: bool,
    /// [`Lexicon::is_content_word`]: evidence that an utterance is about a task.
    content: bool,
}

/// A distinct stem ("book" for "bookings"): a unigram of the word family.
struct Stem {
    text: String,
}

impl TokenTable {
    /// The id of token `tok`, adding it (and its stem) if new.
    fn intern(&mut self, tok: &str, lexicon: &Lexicon) -> u32 {
        if let Some(&id) = self.ids.get(tok) {
            return id;
        }
        let stemmed = lexicon.stem(tok);
        let stem = match self.stem_ids.get(&stemmed) {
            Some(&id) => id,
            None => {
                let id = self.stems.len() as u32;
                self.stem_ids.insert(stemmed.clone(), id);
                self.stems.push(Stem { text: stemmed });
                id
            }
        };
        let id = self.tokens.len() as u32;
        self.tokens.push(Token {
            text: tok.to_owned(),
            stem,
            stop: lexicon.is_stop_word(tok),
            content: lexicon.is_content_word(tok),
        });
        self.ids.insert(tok.to_owned(), id);
        id
    }
}

/// A feature before IDF: key and match strength (1 unless typo-corrected).
struct RawFeature {
    key: String,
    strength: f32,
}

/// Per-task scores, and an upper bound on the score of any task left at 0 by pruning (0 when
/// nothing was pruned).
struct Scored {
    scores: Vec<f32>,
    bound: f32,
}

/// Running sums while scoring one utterance; index 0 of each pair is the word family, 1 the
/// character family.
struct Accumulator {
    /// Sample -> dot products with the utterance.
    dots: Vec<[f32; 2]>,
    /// Samples with a non-zero dot product, in order of discovery.
    touched: Vec<u32>,
    /// Task -> squared utterance weight found in the task's samples.
    coverage: Vec<[f32; 2]>,
    /// Task -> the linear layer's logit.
    logits: Vec<f32>,
}

impl Accumulator {
    /// Adds feature `id` of `family` (at `slot`) with utterance weight `weight` to every sample
    /// and task that has it.
    /// `unit` is the feature's coordinate in the utterance's unit vector, as the linear layer
    /// reads it.
    fn traverse(&mut self, slot: usize, family: &Family, id: u32, weight: f32, unit: f32) {
        for &(sample, w) in family.postings.row(id as usize) {
            let d = &mut self.dots[sample as usize];
            if d[0] == 0.0 && d[1] == 0.0 {
                self.touched.push(sample);
            }
            d[slot] += weight * w;
        }
        for (j, task) in family.task_weights(id) {
            self.coverage[task as usize][slot] += weight * weight;
            self.logits[task as usize] += family.linear[j] * unit;
        }
    }
}

/// An utterance's vector in one family.
struct Query {
    /// Known features, merged by id: (id, weight after match strength).
    feats: Vec<(u32, f32)>,
    /// Norm including unknown features and the full (uncorrected) weight of repaired ones.
    norm: f32,
}

impl Family {
    /// Builds the utterance vector from its features as (id if known, match strength), in
    /// utterance order.
    fn query(&self, raw: impl ExactSizeIterator<Item = (Option<u32>, f32)>, oov_idf: f32) -> Query {
        let mut known: Vec<(u32, f32, f32)> = Vec::with_capacity(raw.len());
        let mut norm_sq = 0.0f32;
        for (id, strength) in raw {
            match id {
                Some(id) => {
                    let base = self.idf[id as usize];
                    known.push((id, base, base * strength));
                }
                None => norm_sq += oov_idf * oov_idf,
            }
        }
        // Sort by id so repeated features merge (term frequency) and summation order is fixed:
        // the result must not depend on hash-map iteration order.
        known.sort_by_key(|&(id, _, _)| id);
        let mut feats: Vec<(u32, f32)> = Vec::with_capacity(known.len());
        let mut bases: Vec<f32> = Vec::with_capacity(known.len());
        for (id, base, eff) in known {
            match feats.last_mut() {
                Some(last) if last.0 == id => {
                    last.1 += eff;
                    if let Some(b) = bases.last_mut() {
                        *b += base;
                    }
                }
                _ => {
                    feats.push((id, eff));
                    bases.push(base);
                }
            }
        }
        norm_sq += bases.iter().map(|b| b * b).sum::<f32>();
        Query {
            feats,
            norm: norm_sq.sqrt(),
        }
    }
}

impl Matcher {
    /// `tasks[i]` holds the sample utterances of task i (task ids are these indexes). A task
    /// with no samples can never be matched (fallback/greeting tasks typically have none), and
    /// neither can one whose samples normalise to nothing.
    ///
    /// Unless `config` fixes a threshold, the decline threshold is calibrated for these tasks
    /// (see `calibrated_threshold`).
    pub fn new(tasks: &[Vec<String>], config: MatcherConfig) -> Matcher {
        Matcher::assemble(tasks, config, None)
    }

    /// As [`Matcher::new`], with a sentence-embedding model: every sample is embedded now, and
    /// each utterance's embedding is fused with the string scores (see [`Semantics`]). Fails
    /// only if the model fails on a sample.
    pub fn with_model(
        tasks: &[Vec<String>],
        config: MatcherConfig,
        model: Arc<Model>,
    ) -> Result<Matcher, ModelError> {
        // Embedded as the model will read utterances: normalised the same way.
        let prepared: Vec<Vec<String>> = tasks
            .iter()
            .map(|samples| {
                samples
                    .iter()
                    .map(|s| prepare(s, config.lexicon).join(" "))
                    .collect()
            })
            .collect();
        let semantics = Arc::new(Semantics::new(model, &prepared)?);
        Ok(Matcher::assemble(tasks, config, Some(semantics)))
    }

    fn assemble(
        tasks: &[Vec<String>],
        config: MatcherConfig,
        semantics: Option<Arc<Semantics>>,
    ) -> Matcher {
        if config.threshold.is_some() {
            let mut matcher = Matcher::build(tasks, config);
            matcher.semantics = semantics;
            return matcher;
        }
        // Calibration builds and scores an index of its own, independent of this one: on a
        // second thread, load takes the longer of the two rather than their sum.
        std::thread::scope(|scope| {
            let calibration =
                scope.spawn(|| calibrated_threshold(tasks, config.lexicon, semantics.as_deref()));
            let mut matcher = Matcher::build(tasks, config);
            matcher.semantics = semantics.clone();
            // The calibration cannot panic on any input; if it somehow did, the prior is a
            // sound threshold to serve with.
            matcher.threshold = calibration.join().unwrap_or(PRIOR_THRESHOLD);
            matcher
        })
    }

    /// The index alone, declining below the configured threshold or [`PRIOR_THRESHOLD`].
    fn build(tasks: &[Vec<String>], config: MatcherConfig) -> Matcher {
        // Building is dominated by work per occurrence: a 1,000 x 20 assistant has over a
        // million character n-grams and a quarter of a million word features. So that work is
        // done on integers: each distinct token is interned once with its stem and flags, word
        // features are found by stem ids, n-grams are packed into integers, and per-feature
        // lists are stored back to back ([`Rows`]). Feature ids are assigned in order of first
        // occurrence (sample by sample: unigrams, bigrams, then n-grams), as when features were
        // keyed by strings, because ids fix the order in which scores are summed.

        // Prepare every sample once; remember its task.
        let lexicon = config.lexicon;
        let mut table = TokenTable::default();
        let mut sample_tokens: Rows<u32> = Rows::default();
        let mut sample_task: Vec<u32> = Vec::new();
        let mut task_has_samples = vec![false; tasks.len()];
        let mut row: Vec<u32> = Vec::new();
        for (task, samples) in tasks.iter().enumerate() {
            for sample in samples {
                let normalized = text::normalize(sample);
                row.extend(tokens(&normalized, lexicon).map(|t| table.intern(t, lexicon)));
                if !row.is_empty() {
                    task_has_samples[task] = true;
                    sample_task.push(task as u32);
                    sample_tokens.push_row(row.drain(..));
                }
            }
        }
        let n = task_has_samples.iter().filter(|&&h| h).count().max(1) as f32;
        let oov_idf = (1.0 + n).ln();

        // Pass 1: intern features and collect per-sample raw vectors of (feature, count 1 per
        // occurrence), in order of occurrence.
        let mut word_ids: FxHashMap<String, u32> = FxHashMap::default();
        let mut char_ids: FxHashMap<Gram, u32> = FxHashMap::default();
        // Word feature id of each stem's unigram and of each pair of stems' bigram, so that
        // repeated features cost an integer lookup, not a string built and hashed.
        let mut unigram_id: Vec<Option<u32>> = vec![None; table.stems.len()];
        let mut bigram_id: FxHashMap<(u32, u32), u32> = FxHashMap::default();
        let mut raw_words: Rows<(u32, f32)> = Rows::default();
        let mut raw_chars: Rows<(u32, f32)> = Rows::default();
        let mut word_row: Vec<(u32, f32)> = Vec::new();
        let mut gram_source: Vec<(&str, bool)> = Vec::new();
        for sample in 0..sample_tokens.len() {
            let toks = sample_tokens.row(sample);
            let stem_of = |t: u32| table.tokens[t as usize].stem;
            // Unigrams then bigrams, as `word_features` lists them.
            for &t in toks {
                let s = stem_of(t) as usize;
                let stem = &table.stems[s];
                let id = *unigram_id[s].get_or_insert_with(|| intern(&mut word_ids, &stem.text));
                word_row.push((id, 1.0));
            }
            for pair in toks.windows(2) {
                let (a, b) = (stem_of(pair[0]), stem_of(pair[1]));
                let (sa, sb) = (&table.stems[a as usize], &table.stems[b as usize]);
                let id = *bigram_id
                    .entry((a, b))
                    .or_insert_with(|| intern(&mut word_ids, &format!("{} {}", sa.text, sb.text)));
                word_row.push((id, 1.0));
            }
            raw_words.push_row(word_row.drain(..));

            gram_source.clear();
            gram_source.extend(toks.iter().map(|&t| {
                let token = &table.tokens[t as usize];
                (token.text.as_str(), token.stop)
            }));
            raw_chars.push_row(char_grams(&gram_source).into_iter().map(|g| {
                let next = char_ids.len() as u32;
                (*char_ids.entry(g).or_insert(next), 1.0)
            }));
        }

        // Pass 2: tasks and IDF of each feature, then weighted postings, per-sample vectors and
        // norms. Regrouping by feature and back by sample are counting sorts
        // (`Rows::transpose`), cheaper than sorting each sample's features.
        let mut words = Family::default();
        let mut chars = Family::default();
        let mut task_row: Vec<u32> = Vec::new();
        let mut postings_row: Vec<(u32, f32)> = Vec::new();
        for (family, raw, features) in [
            (&mut words, &raw_words, word_ids.len()),
            (&mut chars, &raw_chars, char_ids.len()),
        ] {
            // Feature -> (sample, count) of each occurrence, by ascending sample and in
            // order of occurrence within a sample.
            let occurrences = raw.transpose(features);
            // A feature's tasks: those of its samples, which come grouped by ascending task.
            for feature in 0..features {
                task_row.clear();
                for &(sample, _) in occurrences.row(feature) {
                    let task = sample_task[sample as usize];
                    if task_row.last() != Some(&task) {
                        task_row.push(task);
                    }
                }
                family.tasks.push_row(task_row.iter().copied());
            }
            family.idf = (0..features)
                .map(|f| (1.0 + n / family.tasks.row(f).len().max(1) as f32).ln())
                .collect();
            // Postings: the weights of a feature repeated in a sample are summed in order of
            // occurrence.
            for (feature, &idf) in family.idf.iter().enumerate() {
                for &(sample, count) in occurrences.row(feature) {
                    let w = count * idf;
                    match postings_row.last_mut() {
                        Some(last) if last.0 == sample => last.1 += w,
                        _ => postings_row.push((sample, w)),
                    }
                }
                family.postings.push_row(postings_row.drain(..));
            }
            // Each sample's vector, by ascending feature id, and its norm.
            family.forward = family.postings.transpose(raw.len());
            family.sample_norm = (0..raw.len())
                .map(|s| {
                    let vector = family.forward.row(s);
                    vector.iter().map(|(_, w)| w * w).sum::<f32>().sqrt()
                })
                .collect();
        }

        // Typo-correction candidates: content words only (correcting towards "would" or "the"
        // would only add noise), bounded length, one-deletion keys.
        let mut fuzzy_words: Vec<String> = Vec::new();
        let mut deletions: FxHashMap<String, Vec<u32>> = FxHashMap::default();
        let mut prefixes: FxHashMap<String, Vec<u32>> = FxHashMap::default();
        let mut vocab: Vec<&String> = word_ids
            .keys()
            .filter(|k| fuzzy_eligible(k, lexicon))
            .collect();
        vocab.sort(); // deterministic indexes, independent of hash order
        for word in vocab {
            let idx = fuzzy_words.len() as u32;
            fuzzy_words.push(word.clone());
            for key in std::iter::once(word.clone()).chain(one_deletions(word)) {
                let list = deletions.entry(key).or_default();
                if list.last() != Some(&idx) {
                    list.push(idx);
                }
            }
            if let Some(prefix) = prefix_of(word) {
                prefixes.entry(prefix.to_owned()).or_default().push(idx);
            }
        }

        // Homophone candidates: content words only, like typo corrections.
        let mut sounds: FxHashMap<&'static str, Vec<String>> = FxHashMap::default();
        for token in table.tokens.iter().filter(|t| t.content) {
            if let Some(sound) = lexicon.sound(&token.text) {
                sounds.entry(sound).or_default().push(token.text.clone());
            }
        }
        for words in sounds.values_mut() {
            words.sort();
        }

        // Task ranges and centroid norms.
        let mut task_samples = vec![0..0; tasks.len()];
        for (sample, &task) in sample_task.iter().enumerate() {
            let r = &mut task_samples[task as usize];
            if r.end == 0 {
                *r = sample as u32..sample as u32 + 1;
            } else {
                r.end = sample as u32 + 1;
            }
        }
        let mut centroid_norm = vec![[0.0f32; 2]; tasks.len()];
        for (slot, family) in [&words, &chars].into_iter().enumerate() {
            // The centroid's coordinates, summed densely by feature id; `touched` lists the
            // ids to square and reset after each task.
            let mut sum = vec![0.0f32; family.idf.len()];
            let mut seen = vec![false; family.idf.len()];
            let mut touched: Vec<u32> = Vec::new();
            let mut squares: Vec<u32> = Vec::new();
            for (task, range) in task_samples.iter().enumerate() {
                for s in range.clone() {
                    let norm = family.sample_norm[s as usize];
                    if norm > 0.0 {
                        for &(id, w) in family.forward.row(s as usize) {
                            if !std::mem::replace(&mut seen[id as usize], true) {
                                touched.push(id);
                            }
                            sum[id as usize] += w / norm;
                        }
                    }
                }
                squares.clear();
                for id in touched.drain(..) {
                    let v = std::mem::take(&mut sum[id as usize]);
                    seen[id as usize] = false;
                    squares.push((v * v).to_bits());
                }
                // Summed in ascending order, so the result does not depend on the order the
                // features were met in. Squares are non-negative, and non-negative floats order
                // like their bit patterns: sorting those as integers is faster.
                squares.sort_unstable();
                centroid_norm[task][slot] = squares
                    .iter()
                    .map(|&b| f32::from_bits(b))
                    .sum::<f32>()
                    .sqrt();
            }
        }

        // Each task's distinct content words with their stems, in order of first occurrence.
        let mut task_content: Vec<Vec<(String, String)>> = vec![Vec::new(); tasks.len()];
        // Token -> the last task it was listed for (samples come grouped by task).
        let mut listed_for = vec![u32::MAX; table.tokens.len()];
        for (sample, &task) in sample_task.iter().enumerate() {
            for &t in sample_tokens.row(sample) {
                let token = &table.tokens[t as usize];
                if token.content && listed_for[t as usize] != task {
                    listed_for[t as usize] = task;
                    let stem = table.stems[token.stem as usize].text.clone();
                    task_content[task as usize].push((token.text.clone(), stem));
                }
            }
        }
        train_linear(&mut words, &mut chars, &sample_task, &task_has_samples);
        let surface: FxHashMap<String, String> = table
            .tokens
            .iter()
            .map(|t| (t.text.clone(), table.stems[t.stem as usize].text.clone()))
            .collect();
        // The shortest (then first in order) word of the samples with each stem.
        let mut spelling: FxHashMap<String, String> = FxHashMap::default();
        for (word, stem) in &surface {
            let better = spelling.get(stem).is_none_or(|known: &String| {
                (word.len(), word.as_str()) < (known.len(), known.as_str())
            });
            if better {
                spelling.insert(stem.clone(), word.clone());
            }
        }
        Matcher {
            surface,
            spelling,
            task_content,
            threshold: config.threshold.unwrap_or(PRIOR_THRESHOLD),
            config,
            num_tasks: tasks.len(),
            task_samples,
            centroid_norm,
            sample_task,
            task_has_samples,
            oov_idf,
            words,
            chars,
            word_ids,
            char_ids,
            fuzzy_words,
            deletions,
            prefixes,
            sounds,
            semantics: None,
        }
    }

    /// Whether the utterance shares a content word with the task — by stem after word repair, by a
    /// four-letter prefix (merged or cut-off words) or within a typo. Function words alone
    /// ("what", "is", "the") are no evidence: "what's the capital of France" must not reach a
    /// task whose only sample is "what can you do". An utterance with no content words at all
    /// ("what can you do", "yes") is judged on its score alone.
    fn has_content_evidence(
        &self,
        task: usize,
        toks: &[String],
        resolved: &[(String, f32)],
    ) -> bool {
        let content: Vec<(&str, String)> = toks
            .iter()
            .filter(|t| self.config.lexicon.is_content_word(t))
            .map(|t| (t.as_str(), self.stem(t)))
            .collect();
        if content.is_empty() {
            return true;
        }
        let Some(vocab) = self.task_content.get(task) else {
            return false;
        };
        // Repaired words first: "forflights" split into "for" "flights", "acount" corrected to
        // "account". Only stems of the task's content words count, so a repaired stop word is
        // no evidence.
        if resolved
            .iter()
            .any(|(word, _)| vocab.iter().any(|(_, known_stem)| known_stem == word))
        {
            return true;
        }
        // Typos are judged on the words as said, not their stems: Snowball cuts "register" to
        // "regist", which is further from "regster" than the whole word is.
        content.iter().any(|(word, word_stem)| {
            vocab.iter().any(|(known, known_stem)| {
                known_stem == word_stem
                    || (word.chars().count() >= 4
                        && known.chars().count() >= 4
                        && word.chars().take(4).eq(known.chars().take(4)))
                    || (word.chars().count() >= 4
                        && strsim::normalized_levenshtein(word, known) >= 0.75)
            })
        })
    }

    /// The config in force.
    pub fn config(&self) -> MatcherConfig {
        self.config
    }

    /// The decline threshold in force: the configured one, or the one calibrated at load.
    pub fn threshold(&self) -> f32 {
        self.threshold
    }

    /// How [`Matcher::threshold`] was chosen, in words for logs and `switchboard check`.
    pub fn threshold_origin(&self) -> &'static str {
        match self.config.threshold {
            Some(_) => "set by nlu.threshold",
            None => "calibrated for these tasks",
        }
    }

    /// Classifies one utterance. `allowed`: when Some, only these task ids may be chosen
    /// (Autopilot's `listen: {"tasks": [...]}`); scores of other tasks are not considered at
    /// all. Ids out of range are ignored. Never panics.
    pub fn classify(&self, utterance: &str, allowed: Option<&[usize]>) -> Classification {
        let embedding = self.embed(utterance).and_then(Result::ok);
        self.classify_with(utterance, embedding.as_deref(), allowed)
    }

    /// The sentence-embedding side, when the matcher has a model.
    pub fn semantics(&self) -> Option<&Semantics> {
        self.semantics.as_deref()
    }

    /// Task `task`'s sample `i`'s embedding, computed at load (None without a model): to
    /// classify a sample as a caller saying it without running the model again.
    pub fn sample_embedding(&self, task: usize, i: usize) -> Option<&[f32]> {
        self.semantics.as_ref()?.sample(task, i)
    }

    /// The embedding of `utterance` for [`Matcher::classify_with`]; None without a model.
    pub fn embed(&self, utterance: &str) -> Option<Result<Vec<f32>, ModelError>> {
        let semantics = self.semantics.as_ref()?;
        Some(semantics.model().embed(&self.model_text(utterance)))
    }

    /// `utterance` as the sentence-embedding model reads it: normalised like the samples, and
    /// each word that neither the model's vocabulary nor the samples hold whole repaired
    /// against the samples (joined, split or corrected, as for the string side). A recogniser's
    /// "flihgt" or "forflights" would otherwise fall apart into meaningless word pieces.
    pub fn model_text(&self, utterance: &str) -> String {
        let toks = prepare(utterance, self.config.lexicon);
        let Some(semantics) = &self.semantics else {
            return toks.join(" ");
        };
        let whole = |w: &str| self.surface.contains_key(w) || semantics.model().knows(w);
        let spell = |stem: String| self.spelling.get(&stem).cloned().unwrap_or(stem);
        let mut out: Vec<String> = Vec::with_capacity(toks.len() + 2);
        let mut i = 0;
        while i < toks.len() {
            let tok = &toks[i];
            i += 1;
            if whole(tok) {
                out.push(tok.clone());
            } else if let Some(joined) = toks
                .get(i)
                .map(|next| format!("{tok}{next}"))
                .filter(|joined| self.surface.contains_key(joined))
            {
                out.push(joined);
                i += 1;
            } else if let Some((a, b)) = self.split(tok) {
                out.extend([spell(a), spell(b)]);
            } else if let Some((stem, _)) = self.correct(&self.stem(tok)) {
                out.push(spell(stem));
            } else {
                out.push(tok.clone());
            }
        }
        out.join(" ")
    }

    /// As [`Matcher::classify`], with the utterance's embedding (from [`Matcher::embed`])
    /// computed by the caller, off the request's thread and within a time budget. None scores
    /// on the strings alone, as a matcher without a model does.
    pub fn classify_with(
        &self,
        utterance: &str,
        embedding: Option<&[f32]>,
        allowed: Option<&[usize]>,
    ) -> Classification {
        // Prepared once: normalising is a good part of a short utterance's cost, and the
        // scoring passes and the evidence check below all read the same tokens.
        let toks = prepare(utterance, self.config.lexicon);
        let resolved = self.resolve(&toks);
        let semantic = self
            .semantics
            .as_ref()
            .zip(embedding)
            .map(|(s, e)| s.task_scores(e));
        // A task can be semantically close without sharing a single feature, so with a model
        // every task is scored (pruning assumes a task sharing nothing scores nothing).
        let Some(mut scored) = self.task_scores(&toks, &resolved, semantic.is_none()) else {
            return Classification {
                task: None,
                confidence: 0.0,
                best: None,
                next_best: None,
                decision: Decision::Empty,
                parts: None,
            };
        };
        let string_scores = semantic.as_ref().map(|_| scored.scores.clone());
        if let Some(semantic) = &semantic {
            fuse(&mut scored.scores, semantic);
        }
        let mut eligible = self.task_has_samples.clone();
        if let Some(allowed) = allowed {
            let mut mask = vec![false; self.num_tasks];
            for &t in allowed {
                if let Some(m) = mask.get_mut(t) {
                    *m = true;
                }
            }
            for (e, m) in eligible.iter_mut().zip(mask) {
                *e &= m;
            }
        }
        let (mut best, mut next) = top_two(&scored.scores, &eligible);
        // If a pruned task could beat the best, score everything. Otherwise the best is exact,
        // and a pruned task could at most reach the bound: the confidence takes the runner-up
        // to be the bound where that is higher, so pruning can only lower a confidence, never
        // raise it (and it costs a full pass only when the decision itself is at stake).
        // Not needed either when nothing could reach the threshold: the confidence is at most
        // the best score, so the utterance is declined whichever task is best.
        if scored.bound > 0.0
            && best.is_none_or(|(_, b)| scored.bound >= b)
            && scored.bound >= self.threshold
            && let Some(full) = self.task_scores(&toks, &resolved, false)
        {
            (best, next) = top_two(&full.scores, &eligible);
        }
        let runner_up = next.map_or(0.0, |(_, s)| s).max(scored.bound);
        let confidence = best.map_or(0.0, |(_, s1)| confidence(s1, runner_up));
        let parts = best
            .zip(string_scores.zip(semantic))
            .map(|((t, _), (s, e))| Parts {
                string: s[t],
                semantic: e[t],
            });
        let decision = match best {
            None => Decision::BelowThreshold,
            Some(_) if confidence < self.threshold => Decision::BelowThreshold,
            // With a model, a paraphrase shares no word by nature: its semantic score is the
            // evidence (the check cost 1-4 points of routing on the development data).
            Some((t, _)) if parts.is_none() && !self.has_content_evidence(t, &toks, &resolved) => {
                Decision::Unrelated
            }
            _ => Decision::Matched,
        };
        Classification {
            task: best
                .filter(|_| decision == Decision::Matched)
                .map(|(t, _)| t),
            confidence,
            best,
            next_best: next,
            decision,
            parts,
        }
    }

    /// Debug view: every task that has samples with its score (the confidence it would get),
    /// best first, ties by id. Ignores any `allowed` restriction. Empty when the utterance has
    /// nothing usable.
    pub fn scores(&self, utterance: &str) -> Vec<(usize, f32)> {
        let toks = prepare(utterance, self.config.lexicon);
        let Some(mut scored) = self.task_scores(&toks, &self.resolve(&toks), false) else {
            return Vec::new();
        };
        if let Some((semantics, Ok(embedding))) = self.semantics.as_ref().zip(self.embed(utterance))
        {
            fuse(&mut scored.scores, &semantics.task_scores(&embedding));
        }
        let mut out: Vec<(usize, f32)> = scored
            .scores
            .into_iter()
            .enumerate()
            .filter(|&(t, _)| self.task_has_samples[t])
            .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        out
    }

    /// Score of every task (0 for tasks without samples), or None if the utterance has no tokens
    /// (`toks` is its [`prepare`]d form).
    ///
    /// Features with long postings lists (see [`COMMON_POSTINGS`]) dominate the cost of an
    /// inverted index in a large assistant. With `prune`, they are scored only for candidate
    /// samples (those sharing a rarer feature with the utterance), by lookup in the samples'
    /// forward vectors, and the other tasks get score 0 plus a Cauchy-Schwarz upper bound on
    /// what they could have scored; the caller falls back to `prune = false` when the bound
    /// could change the decision. Both paths add contributions in the same order, so they give
    /// bit-identical scores where both apply.
    fn task_scores(
        &self,
        toks: &[String],
        resolved: &[(String, f32)],
        prune: bool,
    ) -> Option<Scored> {
        if toks.is_empty() {
            return None;
        }
        let word_raw = word_features(resolved);
        let wq = self.words.query(
            word_raw
                .iter()
                .map(|f| (self.word_ids.get(&f.key).copied(), f.strength)),
            self.oov_idf,
        );
        let with_stop: Vec<(&str, bool)> = toks
            .iter()
            .map(|t| (t.as_str(), self.config.lexicon.is_stop_word(t)))
            .collect();
        let grams = char_grams(&with_stop);
        let cq = self.chars.query(
            grams.iter().map(|g| (self.char_ids.get(g).copied(), 1.0)),
            self.oov_idf,
        );
        let families = [(&self.words, &wq), (&self.chars, &cq)];

        let mut acc = Accumulator {
            dots: vec![[0.0; 2]; self.sample_task.len()],
            touched: Vec::new(),
            coverage: vec![[0.0; 2]; self.num_tasks],
            logits: vec![0.0; self.num_tasks],
        };
        // The linear layer reads the utterance as a unit vector with each family's share.
        let unit = [
            ratio(WORD_SHARE.sqrt(), wq.norm),
            ratio((1.0 - WORD_SHARE).sqrt(), cq.norm),
        ];
        // Rare features first, through their postings.
        for (slot, (family, query)) in families.iter().enumerate() {
            for &(id, weight) in &query.feats {
                if family.postings.row(id as usize).len() <= COMMON_POSTINGS {
                    acc.traverse(slot, family, id, weight, weight * unit[slot]);
                }
            }
        }
        // Then common ones: everywhere, or only for the candidates found so far. Candidates
        // are all samples of every task that shares a rarer feature with the utterance (every
        // sample, not only the touched ones, so that task centroids are exact).
        let prune = prune && !acc.touched.is_empty();
        let mut candidate_task = vec![false; self.num_tasks];
        for &sample in &acc.touched {
            candidate_task[self.sample_task[sample as usize] as usize] = true;
        }
        let mut candidates: Vec<u32> = Vec::new();
        let mut is_candidate = vec![false; if prune { self.sample_task.len() } else { 0 }];
        if prune {
            for (task, range) in self.task_samples.iter().enumerate() {
                if candidate_task[task] {
                    for s in range.clone() {
                        candidates.push(s);
                        is_candidate[s as usize] = true;
                    }
                }
            }
        }
        let mut pruned_sq = [0.0f32; 2];
        for (slot, (family, query)) in families.iter().enumerate() {
            for &(id, weight) in &query.feats {
                if family.postings.row(id as usize).len() <= COMMON_POSTINGS {
                    continue;
                }
                if !prune {
                    acc.traverse(slot, family, id, weight, weight * unit[slot]);
                    continue;
                }
                pruned_sq[slot] += weight * weight;
                // Add the feature to candidates only, by whichever is cheaper: scanning its
                // postings, or looking it up in each candidate's forward vector. Either way
                // each candidate gets the same single addition.
                let postings = family.postings.row(id as usize);
                if postings.len() <= candidates.len() * 8 {
                    for &(sample, w) in postings {
                        if is_candidate[sample as usize] {
                            acc.dots[sample as usize][slot] += weight * w;
                        }
                    }
                } else {
                    for &sample in &candidates {
                        let forward = family.forward.row(sample as usize);
                        if let Ok(i) = forward.binary_search_by_key(&id, |&(f, _)| f) {
                            acc.dots[sample as usize][slot] += weight * forward[i].1;
                        }
                    }
                }
                for &task in family.tasks.row(id as usize) {
                    if candidate_task[task as usize] {
                        acc.coverage[task as usize][slot] += weight * weight;
                    }
                }
            }
        }
        if !prune {
            for &sample in &acc.touched {
                candidate_task[self.sample_task[sample as usize] as usize] = true;
            }
        }

        let norms = [wq.norm, cq.norm];
        let mut scores = vec![0.0f32; self.num_tasks];
        for (task, range) in self.task_samples.iter().enumerate() {
            if !candidate_task[task] {
                continue;
            }
            // Best single sample, and the cosine with the task centroid (the sum of its
            // samples' unit vectors), whose dot product is the sum of the samples' normalised
            // dot products.
            let mut max_sim = 0.0f32;
            let mut centroid_dot = [0.0f32; 2];
            for s in range.clone() {
                let s = s as usize;
                let dots = acc.dots[s];
                let w_norm = self.words.sample_norm[s];
                let c_norm = self.chars.sample_norm[s];
                let sim = WORD_SHARE * cosine(dots[0], wq.norm, w_norm)
                    + (1.0 - WORD_SHARE) * cosine(dots[1], cq.norm, c_norm);
                max_sim = max_sim.max(sim);
                centroid_dot[0] += ratio(dots[0], w_norm);
                centroid_dot[1] += ratio(dots[1], c_norm);
            }
            let cn = self.centroid_norm[task];
            let centroid = WORD_SHARE * ratio(centroid_dot[0], norms[0] * cn[0])
                + (1.0 - WORD_SHARE) * ratio(centroid_dot[1], norms[1] * cn[1]);
            let cov = WORD_SHARE * ratio(acc.coverage[task][0], wq.norm * wq.norm)
                + (1.0 - WORD_SHARE) * ratio(acc.coverage[task][1], cq.norm * cq.norm);
            scores[task] = combine(max_sim, centroid, cov);
        }
        // The linear layer's probabilities over every task that has samples. A task sharing
        // no weighted feature with the utterance has logit 0.
        let top = acc.logits.iter().copied().fold(0.0f32, f32::max);
        let mut partition = 0.0f32;
        for (task, &z) in acc.logits.iter().enumerate() {
            if self.task_has_samples[task] {
                partition += (z - top).exp();
            }
        }
        let alpha = LINEAR_SHARE;
        for (task, score) in scores.iter_mut().enumerate() {
            if candidate_task[task] {
                let p = ratio((acc.logits[task] - top).exp(), partition);
                *score = (1.0 - alpha) * *score + alpha * p;
            }
        }
        let outside = ratio((-top).exp(), partition);
        // A non-candidate shares only pruned features with the utterance, so its cosine with
        // any sample or centroid in each family is at most |pruned part of the query| /
        // |query|, and its coverage at most the pruned share of the query's weight.
        let bound_sim = WORD_SHARE * ratio(pruned_sq[0].sqrt(), wq.norm)
            + (1.0 - WORD_SHARE) * ratio(pruned_sq[1].sqrt(), cq.norm);
        let bound_cov = WORD_SHARE * ratio(pruned_sq[0], wq.norm * wq.norm)
            + (1.0 - WORD_SHARE) * ratio(pruned_sq[1], cq.norm * cq.norm);
        let bound = if prune {
            (1.0 - alpha) * combine(bound_sim, bound_sim, bound_cov) + alpha * outside
        } else {
            0.0
        };
        Some(Scored { scores, bound })
    }

    /// Repairs tokens the index has never seen: joins, splits, then typo correction. Returns
    /// (stemmed word, match strength) pairs for the word family.
    fn resolve(&self, toks: &[String]) -> Vec<(String, f32)> {
        let stems: Vec<String> = toks.iter().map(|t| self.stem(t)).collect();
        let known = |w: &str| self.word_ids.contains_key(w);
        let mut out = Vec::with_capacity(stems.len() + 2);
        let mut i = 0;
        while i < stems.len() {
            let tok = &stems[i];
            let tok_known = known(tok);
            if let Some(next) = stems.get(i + 1)
                && !(tok_known && known(next))
            {
                // "sign" "up" said where the samples have "signup".
                let joined = format!("{}{}", toks[i], toks[i + 1]);
                if let Some(stem) = self.surface.get(&joined) {
                    out.push((stem.clone(), 1.0));
                    i += 2;
                    continue;
                }
            }
            i += 1;
            if tok_known {
                out.push((tok.clone(), 1.0));
            } else if let Some((a, b)) = self.split(&toks[i - 1]) {
                out.push((a, 1.0));
                out.push((b, 1.0));
            } else if let Some((word, strength)) = self.correct(tok) {
                out.push((word, strength));
            } else if let Some(word) = self.homophone(&stems, i - 1) {
                out.push((word, FUZZY_PENALTY));
            } else {
                out.push((tok.clone(), 1.0));
            }
        }
        out
    }

    /// A word of the samples that sounds like `stems[i]`, which they do not have: a
    /// recogniser's 记 for the samples' 寄. Of several, the one that makes a word pair of the
    /// samples with a neighbour (记件 → 寄件, not 几件); with no neighbour to decide, only a
    /// sole candidate.
    fn homophone(&self, stems: &[String], i: usize) -> Option<String> {
        let candidates = self.sounds.get(self.config.lexicon.sound(&stems[i])?)?;
        let pairs = |c: &str| {
            let before = i
                .checked_sub(1)
                .is_some_and(|p| self.word_ids.contains_key(&format!("{} {c}", stems[p])));
            let after = stems
                .get(i + 1)
                .is_some_and(|n| self.word_ids.contains_key(&format!("{c} {n}")));
            before || after
        };
        let mut pairing = candidates.iter().filter(|c| pairs(c));
        match (pairing.next(), pairing.next()) {
            (Some(c), None) => Some(c.clone()),
            (Some(_), Some(_)) => None,
            (None, _) => match candidates.as_slice() {
                [only] => Some(only.clone()),
                _ => None,
            },
        }
    }

    /// The stem of a word: looked up if the samples have it, else from the stemmer.
    fn stem(&self, word: &str) -> String {
        match self.surface.get(word) {
            Some(stem) => stem.clone(),
            None => self.config.lexicon.stem(word),
        }
    }

    /// Splits a merged word into two words of the samples ("forflights" -> "for",
    /// "flights"), preferring the split whose parts carry the most weight; returns their
    /// stems.
    fn split(&self, tok: &str) -> Option<(String, String)> {
        let len = tok.chars().count();
        if !(FUZZY_MIN_LEN..=FUZZY_MAX_LEN).contains(&len) || !tok.chars().all(char::is_alphabetic)
        {
            return None;
        }
        let mut best: Option<(f32, &str, &str)> = None;
        for (k, _) in tok.char_indices().skip(2) {
            let (a, b) = tok.split_at(k);
            if b.chars().count() < 2 {
                break;
            }
            let (Some(sa), Some(sb)) = (self.surface.get(a), self.surface.get(b)) else {
                continue;
            };
            if let (Some(&ia), Some(&ib)) = (self.word_ids.get(sa), self.word_ids.get(sb)) {
                let w = self.words.idf[ia as usize] + self.words.idf[ib as usize];
                if best.is_none_or(|(bw, _, _)| w > bw) {
                    best = Some((w, sa, sb));
                }
            }
        }
        best.map(|(_, a, b)| (a.to_owned(), b.to_owned()))
    }

    /// Typo-tolerant lookup of an unknown token among the content words of the samples.
    fn correct(&self, tok: &str) -> Option<(String, f32)> {
        if !fuzzy_eligible(tok, self.config.lexicon) {
            return None;
        }
        let mut candidates: Vec<u32> = Vec::new();
        for key in std::iter::once(tok.to_owned()).chain(one_deletions(tok)) {
            if let Some(list) = self.deletions.get(&key) {
                candidates.extend_from_slice(list);
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        let tok_len = tok.chars().count();
        let mut best: Option<(f32, u32)> = None;
        for idx in candidates {
            let word = &self.fuzzy_words[idx as usize];
            let max_len = tok_len.max(word.chars().count());
            let allowed = if max_len <= 5 { 1 } else { 2 };
            let d = strsim::osa_distance(tok, word);
            if d == 0 || d > allowed {
                continue;
            }
            let strength = (1.0 - d as f32 / max_len as f32) * FUZZY_PENALTY;
            if best.is_none_or(|(s, _)| strength > s) {
                best = Some((strength, idx));
            }
        }
        // Derived forms the samples do not have: "registration" / "register", "cancelled" /
        // "cancel". Accept a shared prefix of at least 3/4 of the shorter word; credit grows
        // with the share of both words that the prefix covers.
        let prefix_candidates = prefix_of(tok).and_then(|p| self.prefixes.get(p));
        for &idx in prefix_candidates.into_iter().flatten() {
            let word = &self.fuzzy_words[idx as usize];
            let common = tok
                .chars()
                .zip(word.chars())
                .take_while(|(a, b)| a == b)
                .count();
            let word_len = word.chars().count();
            let (short, long) = (tok_len.min(word_len), tok_len.max(word_len));
            if common == long || common * 4 < short * 3 {
                continue;
            }
            let share = 0.5 * (common as f32 / short as f32 + common as f32 / long as f32);
            let strength = share * FUZZY_PENALTY;
            if best.is_none_or(|(s, _)| strength > s) {
                best = Some((strength, idx));
            }
        }
        best.map(|(s, idx)| (self.fuzzy_words[idx as usize].clone(), s))
    }
}

/// Trains the linear layer: softmax regression from a sample's unit vector (both families,
/// each with its share) to its task, by stochastic gradient descent over the samples.
///
/// Weights exist only where a feature occurs in a task's samples (the rows of
/// `Family::tasks`), so scoring costs what the inverted index already costs, and training an
/// epoch is linear in the samples' features. Common features carry no weight (they are
/// scored only for candidates, so a weight there would make pruned and exhaustive scoring
/// disagree). What the layer learns that the centroid cannot: which of a task's words tell it
/// apart from the tasks it is confused with.
fn train_linear(words: &mut Family, chars: &mut Family, sample_task: &[u32], has_samples: &[bool]) {
    let tasks = has_samples.len();
    for family in [&mut *words, &mut *chars] {
        family.linear = vec![0.0; family.tasks.items.len()];
    }
    if sample_task.is_empty() {
        return;
    }
    let shares = [WORD_SHARE.sqrt(), (1.0 - WORD_SHARE).sqrt()];
    // Each sample's weighted features as (family, feature, coordinate in its unit vector).
    let mut inputs: Rows<(u8, u32, f32)> = Rows::default();
    let mut work = 0usize;
    for sample in 0..sample_task.len() {
        let mut row = Vec::new();
        for (slot, family) in [&*words, &*chars].into_iter().enumerate() {
            let norm = family.sample_norm[sample];
            for &(id, w) in family.forward.row(sample) {
                if !family.is_common(id) {
                    row.push((slot as u8, id, ratio(w, norm) * shares[slot]));
                    work += family.tasks.row(id as usize).len();
                }
            }
        }
        inputs.push_row(row);
    }
    let with_samples = has_samples.iter().filter(|&&h| h).count() as f32;
    // As many epochs as the budget of weight updates allows, between 2 and the maximum.
    let epochs = ((LINEAR_BUDGET / work.max(1) as f32) as usize).clamp(1, LINEAR_EPOCHS as usize);
    let mut logits = vec![0.0f32; tasks];
    let mut touched: Vec<u32> = Vec::new();
    let mut seen = vec![false; tasks];
    // A fixed order that interleaves tasks (samples are stored task by task).
    let n = sample_task.len();
    let step = (1..n)
        .rev()
        .find(|s| gcd(*s, n) == 1 && *s * 2 <= n + 1)
        .unwrap_or(1);
    for epoch in 0..epochs {
        let rate = LINEAR_RATE / (1.0 + epoch as f32);
        let decay = 1.0 - rate * LINEAR_L2;
        for k in 0..n {
            let sample = (k * step) % n;
            let gold = sample_task[sample] as usize;
            let row = inputs.row(sample);
            for &(slot, id, x) in row {
                let family = if slot == 0 { &*words } else { &*chars };
                for (j, t) in family.task_weights(id) {
                    if !std::mem::replace(&mut seen[t as usize], true) {
                        touched.push(t);
                    }
                    logits[t as usize] += family.linear[j] * x;
                }
            }
            let top = touched
                .iter()
                .map(|&t| logits[t as usize])
                .fold(0.0f32, f32::max);
            let mut partition = (with_samples - touched.len() as f32).max(0.0) * (-top).exp();
            for &t in &touched {
                let e = (logits[t as usize] - top).exp();
                logits[t as usize] = e;
                partition += e;
            }
            // From here `logits` holds each touched task's error, probability - target: the
            // gradient's factor, computed once per task rather than once per weight.
            for &t in &touched {
                let target = if t as usize == gold { 1.0 } else { 0.0 };
                logits[t as usize] = ratio(logits[t as usize], partition) - target;
            }
            for &(slot, id, x) in row {
                let family = if slot == 0 { &mut *words } else { &mut *chars };
                let start = family.tasks.starts[id as usize] as usize;
                let end = family.tasks.starts[id as usize + 1] as usize;
                for j in start..end {
                    let t = family.tasks.items[j] as usize;
                    let w = &mut family.linear[j];
                    *w = *w * decay - rate * logits[t] * x;
                }
            }
            for t in touched.drain(..) {
                logits[t as usize] = 0.0;
                seen[t as usize] = false;
            }
        }
    }
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Assistants with at most this many samples are calibrated by [`FOLDS`]-fold cross-validation
/// (every sample held out once); larger ones on one fold, which is plenty of data and keeps
/// load time low.
const SMALL_ASSISTANT: usize = 600;
const FOLDS: usize = 5;
/// Most held-out samples, and most samples of left-out tasks, scored in one fold (a
/// 1,000-task assistant still loads fast).
const MAX_HELD_OUT: usize = 100;
/// Confidences below this are all alike to calibration: every one of them is declined.
const CALIBRATION_FLOOR: f32 = 0.05;
/// How many held-out samples the prior threshold is worth: with few samples to learn from, the
/// calibrated threshold stays near the prior.
const PRIOR_WEIGHT: f32 = 10.0;

/// The decline threshold for an assistant with these tasks, chosen the way an author would
/// choose it with labelled data, but from what the assistant already has.
///
/// Some samples are held out and the rest indexed; each held-out sample is a genuine request
/// whose right answer is known, and each of [`Lexicon::out_of_scope`] a request that should be
/// declined. The threshold is the one that maximises (share of held-out samples routed right
/// and accepted + share of out-of-scope requests declined), the middle of the best range; an
/// out-of-scope line that scores like the assistant's own samples (above their median) is
/// taken to be in scope for this assistant and left out. The result is pulled towards
/// [`PRIOR_THRESHOLD`] in proportion to how little there was to learn from.
///
/// Why not one fixed threshold: confidences depend on the assistant. A 3-task bot's tasks
/// share few words, so a genuine paraphrase scores low but so does nonsense; a 150-task bot's
/// genuine requests often have a close runner-up, which lowers their confidence. Deterministic:
/// the same tasks give the same threshold.
fn calibrated_threshold(
    tasks: &[Vec<String>],
    lexicon: &'static Lexicon,
    semantics: Option<&Semantics>,
) -> f32 {
    let total: usize = tasks.iter().map(Vec::len).sum();
    let folds = if total <= SMALL_ASSISTANT { FOLDS } else { 1 };
    let out_of_scope: Vec<&str> = lexicon.out_of_scope().collect();
    let with_samples: Vec<usize> = (0..tasks.len()).filter(|&t| !tasks[t].is_empty()).collect();
    let mut outcomes = Outcomes::default();
    for fold in 0..folds {
        // Every FOLDS-th task (by rank among tasks with samples) is left out whole, if at
        // least two tasks remain.
        let left_out = |t: usize| {
            with_samples.len() >= 3
                && with_samples
                    .iter()
                    .position(|&x| x == t)
                    .is_some_and(|rank| rank % FOLDS == fold)
        };
        let candidates: usize = tasks
            .iter()
            .enumerate()
            .filter(|(t, s)| s.len() >= 2 && !left_out(*t))
            .map(|(_, s)| (0..s.len()).filter(|i| i % FOLDS == fold).count())
            .sum();
        let stride = candidates.div_ceil(MAX_HELD_OUT).max(1);
        let foreign_count: usize = (0..tasks.len())
            .filter(|&t| left_out(t))
            .map(|t| tasks[t].len())
            .sum();
        let foreign_stride = foreign_count.div_ceil(MAX_HELD_OUT).max(1);
        let mut seen = 0usize;
        let mut foreign_seen = 0usize;
        let mut train: Vec<Vec<String>> = Vec::with_capacity(tasks.len());
        // Task -> indexes of the samples kept in `train` (for their embeddings).
        let mut train_rows: Vec<Vec<usize>> = Vec::with_capacity(tasks.len());
        // (task, sample index, text) of held-out samples and of left-out tasks' samples.
        let mut test: Vec<(usize, usize, &str)> = Vec::new();
        let mut other: Vec<(usize, usize, &str)> = Vec::new();
        for (task, samples) in tasks.iter().enumerate() {
            let mut kept = Vec::with_capacity(samples.len());
            let mut rows = Vec::with_capacity(samples.len());
            if left_out(task) {
                for (i, sample) in samples.iter().enumerate() {
                    foreign_seen += 1;
                    if foreign_seen.is_multiple_of(foreign_stride) {
                        other.push((task, i, sample));
                    }
                }
                train.push(kept);
                train_rows.push(rows);
                continue;
            }
            for (i, sample) in samples.iter().enumerate() {
                // A task keeps at least one sample, so it stays in the index.
                if samples.len() >= 2 && i % FOLDS == fold {
                    seen += 1;
                    if seen.is_multiple_of(stride) {
                        test.push((task, i, sample));
                        continue;
                    }
                }
                kept.push(sample.clone());
                rows.push(i);
            }
            train.push(kept);
            train_rows.push(rows);
        }
        if test.is_empty() {
            continue;
        }
        let mut reduced = Matcher::build(
            &train,
            MatcherConfig {
                threshold: None,
                lexicon,
            },
        );
        // With a model, the reduced index gets the kept samples' embeddings (computed at load
        // already), and a held-out sample's own embedding is reused as the utterance's.
        let vector = |task: usize, i: usize| -> Option<Vec<f32>> {
            semantics
                .and_then(|s| s.sample(task, i))
                .map(<[f32]>::to_vec)
        };
        if let Some(semantics) = semantics {
            let per_task = train_rows
                .iter()
                .enumerate()
                .map(|(task, rows)| rows.iter().filter_map(|&i| vector(task, i)).collect())
                .collect();
            reduced.semantics = Some(Arc::new(Semantics::from_vectors(
                Arc::clone(semantics.model()),
                per_task,
            )));
        }
        // Scored exactly down to a floor no calibrated threshold goes near: below it a large
        // assistant's pruned scoring may skip its exhaustive pass (the utterance would be
        // declined at any threshold above the floor anyway), which is most of calibration's
        // cost for a 1,000-task assistant.
        reduced.threshold = CALIBRATION_FLOOR;
        // Callers' words reach the matcher through a speech recogniser, so each sample counts
        // once as written and once garbled.
        // `owner`'s sample `i`, to be routed to `task` (None: a left-out task's, to decline).
        let said = |owner: usize, i: usize, text: &str, task: Option<usize>| {
            let probe = |text: String, embedding: Option<Vec<f32>>| Probe {
                task,
                foreign: task.is_none(),
                text,
                embedding,
            };
            [
                probe(text.to_owned(), vector(owner, i)),
                probe(garble(text), None),
            ]
        };
        let mut batch: Vec<Probe> = Vec::new();
        for (task, i, text) in test {
            batch.extend(said(task, i, text, Some(task)));
        }
        for (task, i, text) in other {
            batch.extend(said(task, i, text, None));
        }
        batch.extend(out_of_scope.iter().map(|t| Probe {
            task: None,
            foreign: false,
            text: (*t).to_owned(),
            embedding: None,
        }));
        if let Some(semantics) = semantics {
            let missing: Vec<usize> = (0..batch.len())
                .filter(|&i| batch[i].embedding.is_none())
                .collect();
            let texts: Vec<String> = missing
                .iter()
                .map(|&i| reduced.model_text(&batch[i].text))
                .collect();
            let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
            // A model that fails here would fail on callers too: calibrate on the strings.
            if let Ok(vectors) = semantics.model().embed_all(&texts) {
                for (i, v) in missing.into_iter().zip(vectors) {
                    batch[i].embedding = Some(v);
                }
            }
        }
        // Scored on both cores in two halves: the main build is done by now, and this is the
        // longest part of loading a large assistant.
        let score = |part: &[Probe]| -> Vec<Classification> {
            part.iter()
                .map(|p| reduced.classify_with(&p.text, p.embedding.as_deref(), None))
                .collect()
        };
        let (first, second) = batch.split_at(batch.len() / 2);
        let scored = std::thread::scope(|scope| {
            let other_half = scope.spawn(|| score(second));
            let mut all = score(first);
            // Classifying cannot panic; if it somehow did, score the half here instead.
            all.extend(other_half.join().unwrap_or_else(|_| score(second)));
            all
        });
        for (probe, c) in batch.iter().zip(scored) {
            match probe.task {
                Some(task) if c.decision != Decision::Empty => {
                    outcomes.held.push((c.confidence, c.task == Some(task)));
                }
                Some(_) => {}
                None => {
                    let confidence = c.task.map(|_| c.confidence);
                    if probe.foreign {
                        outcomes.foreign.push(confidence);
                    } else {
                        outcomes.generic.push(confidence);
                    }
                }
            }
        }
    }
    outcomes.threshold()
}

/// One utterance calibration scores.
struct Probe {
    /// The task it should go to; None: one to decline.
    task: Option<usize>,
    /// To decline, and a sample of a task left out of the index (in the assistant's own domain,
    /// the hardest kind) rather than a line of the built-in out-of-scope list.
    foreign: bool,
    text: String,
    /// Its embedding, when the matcher has a model and it is known already.
    embedding: Option<Vec<f32>>,
}

/// What calibration saw: (confidence, routed right) of held-out samples, and the confidences of
/// requests that should be declined, in two kinds (samples of tasks left out of the index; the
/// built-in out-of-scope list), None where declined whatever the threshold.
#[derive(Debug, Default)]
struct Outcomes {
    held: Vec<(f32, bool)>,
    foreign: Vec<Option<f32>>,
    generic: Vec<Option<f32>>,
}

impl Outcomes {
    /// The threshold that separates genuine requests from the others best.
    fn threshold(self) -> f32 {
        let Outcomes {
            held,
            foreign,
            generic,
        } = self;
        let mut right: Vec<f32> = held.iter().filter(|h| h.1).map(|h| h.0).collect();
        right.sort_by(f32::total_cmp);
        if right.is_empty() {
            return PRIOR_THRESHOLD;
        }
        let median = right[right.len() / 2];
        // A request to be declined that scores like the assistant's own samples (above their
        // median) is taken to be in scope after all (a task whose samples overlap another's,
        // a built-in line this assistant does handle) and left out.
        let plausible = |c: &Option<f32>| c.is_none_or(|c| c < median);
        let foreign: Vec<Option<f32>> = foreign.into_iter().filter(plausible).collect();
        let generic: Vec<Option<f32>> = generic.into_iter().filter(plausible).collect();
        let declined = |set: &[Option<f32>], t: f32| {
            set.iter().filter(|c| c.is_none_or(|c| c < t)).count() as f32 / set.len().max(1) as f32
        };
        // The two kinds of requests to decline weigh the same.
        let rejected = |t: f32| {
            if foreign.is_empty() {
                declined(&generic, t)
            } else {
                (declined(&foreign, t) + declined(&generic, t)) / 2.0
            }
        };
        let accepted = |t: f32| right.iter().filter(|&&c| c >= t).count() as f32;
        // The threshold cannot make a wrongly ranked sample right, so the in-scope side counts
        // only those ranked right: otherwise an assistant whose held-out samples are mostly
        // unlike the rest (terse, varied samples) would weigh the other side more and
        // calibrate high.
        let objective = |t: f32| f64::from(accepted(t) / right.len() as f32 + rejected(t));
        let seen = held
            .iter()
            .map(|h| h.0)
            .chain(foreign.iter().chain(&generic).flatten().copied());
        let Some((learned, _)) = best_cut(seen, objective) else {
            return PRIOR_THRESHOLD;
        };
        let n = right.len() as f32;
        (n * learned + PRIOR_WEIGHT * PRIOR_THRESHOLD) / (n + PRIOR_WEIGHT)
    }
}

/// The threshold that maximises `objective` among the midpoints between consecutive distinct
/// `confidences` (with 0 and 1): the middle of the best range, with its objective. None without
/// confidences to cut between.
pub(crate) fn best_cut(
    confidences: impl IntoIterator<Item = f32>,
    objective: impl Fn(f32) -> f64,
) -> Option<(f32, f64)> {
    let mut values: Vec<f32> = confidences.into_iter().filter(|c| c.is_finite()).collect();
    values.extend([0.0, 1.0]);
    values.sort_by(f32::total_cmp);
    values.dedup();
    let scored: Vec<(f32, f64)> = values
        .windows(2)
        .map(|w| (w[0] + w[1]) / 2.0)
        .map(|t| (t, objective(t)))
        .collect();
    let top = scored.iter().map(|s| s.1).fold(f64::MIN, f64::max);
    let mut best = scored.iter().filter(|s| s.1 >= top - 1e-9).map(|s| s.0);
    let low = best.next()?;
    let high = best.next_back().unwrap_or(low);
    Some(((low + high) / 2.0, top))
}

/// `text` as a speech recogniser might return it: one longer word misheard by a letter (the
/// middle one dropped) and, in longer sentences, two words run together. Deterministic: the
/// positions depend only on the text.
fn garble(text: &str) -> String {
    let mut words: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
    let seed = text
        .bytes()
        .fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(b as usize));
    let long: Vec<usize> = (0..words.len())
        .filter(|&i| words[i].chars().count() >= 5)
        .collect();
    if !long.is_empty() {
        let w = &mut words[long[seed % long.len()]];
        let mut chars: Vec<char> = w.chars().collect();
        chars.remove(chars.len() / 2);
        *w = chars.into_iter().collect();
    }
    if words.len() >= 4 {
        let i = (seed / 7) % (words.len() - 1);
        let next = words.remove(i + 1);
        words[i].push_str(&next);
    }
    words.join(" ")
}

/// A task and its score, if any.
type Candidate = Option<(usize, f32)>;

/// The best and runner-up eligible tasks with a positive score. Ascending ids with strict
/// comparisons: ties go to the lower id, deterministically.
fn top_two(scores: &[f32], eligible: &[bool]) -> (Candidate, Candidate) {
    let mut best: Option<(usize, f32)> = None;
    let mut next: Option<(usize, f32)> = None;
    for (task, (&score, &ok)) in scores.iter().zip(eligible).enumerate() {
        if !ok || score <= 0.0 {
            continue;
        }
        if best.is_none_or(|(_, b)| score > b) {
            next = best;
            best = Some((task, score));
        } else if next.is_none_or(|(_, s)| score > s) {
            next = Some((task, score));
        }
    }
    (best, next)
}

/// `dot / (a * b)`, or 0 when either norm is 0.
fn cosine(dot: f32, a: f32, b: f32) -> f32 {
    ratio(dot, a * b)
}

/// `num / den`, or 0 when the denominator is 0 or the result is not finite.
fn ratio(num: f32, den: f32) -> f32 {
    if den > 0.0 {
        let r = num / den;
        if r.is_finite() {
            r.clamp(0.0, 1.0)
        } else {
            0.0
        }
    } else {
        0.0
    }
}

/// Normalises and tokenises, drops fillers, replaces numbers with class tokens and caps the
/// length. Used for samples and utterances alike.
fn prepare(text: &str, lexicon: &Lexicon) -> Vec<String> {
    tokens(&text::normalize(text), lexicon)
        .map(str::to_owned)
        .collect()
}

/// The tokens of normalised text (see [`prepare`]).
fn tokens<'a>(normalized: &'a str, lexicon: &'a Lexicon) -> impl Iterator<Item = &'a str> {
    normalized
        .split_whitespace()
        .filter(|t| !lexicon.is_filler(t))
        .take(MAX_TOKENS)
        .map(|t| {
            let digits = t.chars().take_while(char::is_ascii_digit).count();
            if digits == 0 {
                match lexicon.class_of(t) {
                    Some(Class::Day) => DAY,
                    Some(Class::Month) => MONTH,
                    Some(Class::Number) => NUM,
                    None => t,
                }
            } else if digits == t.len() {
                NUM
            } else {
                // normalize only leaves digits attached to an ordinal suffix.
                ORD
            }
        })
}

/// Unigram and bigram features of (word, match strength) tokens.
fn word_features(toks: &[(String, f32)]) -> Vec<RawFeature> {
    let mut out = Vec::with_capacity(toks.len() * 2);
    for (tok, strength) in toks {
        out.push(RawFeature {
            key: tok.clone(),
            strength: *strength,
        });
    }
    for pair in toks.windows(2) {
        let (a, sa) = &pair[0];
        let (b, sb) = &pair[1];
        out.push(RawFeature {
            key: format!("{a} {b}"),
            strength: sa * sb,
        });
    }
    out
}

/// Character n-grams of the content words run together ("sign me up" -> " signup "), or of all
/// words when every word is a stop word. Removing spaces makes merged and split words produce
/// the same n-grams; the padding marks the start and end of the utterance. `toks` are the
/// tokens, each with whether it is a stop word ([`Lexicon::is_stop_word`]).
fn char_grams(toks: &[(&str, bool)]) -> Vec<Gram> {
    let all_stop = toks.iter().all(|&(_, stop)| stop);
    let mut chars: Vec<char> =
        Vec::with_capacity(2 + toks.iter().map(|(t, _)| t.len()).sum::<usize>());
    chars.push(' ');
    for &(tok, stop) in toks {
        if all_stop || !stop {
            chars.extend(tok.chars());
        }
    }
    chars.push(' ');
    let mut out = Vec::with_capacity(3 * chars.len());
    for n in NGRAM_MIN..=NGRAM_MAX {
        for window in chars.windows(n) {
            out.push(gram(window));
        }
    }
    out
}

/// Whether a word may be typo-corrected or serve as a correction.
fn fuzzy_eligible(word: &str, lexicon: &Lexicon) -> bool {
    let len = word.chars().count();
    (FUZZY_MIN_LEN..=FUZZY_MAX_LEN).contains(&len)
        && word.chars().all(char::is_alphabetic)
        && !lexicon.is_stop_word(word)
}

/// The first [`PREFIX_LEN`] characters of `word`, if it is that long.
fn prefix_of(word: &str) -> Option<&str> {
    let (end, _) = word.char_indices().nth(PREFIX_LEN)?;
    Some(&word[..end])
}

/// The strings obtained by deleting one character of `word`.
fn one_deletions(word: &str) -> impl Iterator<Item = String> + '_ {
    word.char_indices().map(move |(i, c)| {
        let mut s = String::with_capacity(word.len());
        s.push_str(&word[..i]);
        s.push_str(&word[i + c.len_utf8()..]);
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A named task with its samples; tests refer to tasks by name.
    type Bot = &'static [(&'static str, &'static [&'static str])];

    /// The sign-up bot: a greeting and a fallback with no samples around two real tasks.
    const SIGNUP: Bot = &[
        ("greeting", &[]),
        (
            "register",
            &[
                "register",
                "sign me up",
                "I want to register",
                "create an account",
                "I'd like to sign up",
                "new account",
                "enroll me",
            ],
        ),
        (
            "goodbye",
            &["goodbye", "bye", "that's all", "no thanks", "hang up"],
        ),
        ("fallback", &[]),
    ];

    /// A restaurant line with six overlapping tasks (book vs cancel share "table"/"booking",
    /// hours vs menu share "today").
    const RESTAURANT: Bot = &[
        ("welcome", &[]),
        (
            "book_table",
            &[
                "book a table",
                "I'd like to make a reservation",
                "reserve a table for two",
                "can I get a table for four people tonight",
                "I want to book a table for Friday",
                "do you have a table free at 7 pm",
                "table for six please",
                "make a booking",
            ],
        ),
        (
            "cancel_booking",
            &[
                "cancel my reservation",
                "I need to cancel my booking",
                "please cancel the table I booked",
                "I can't make it tonight",
                "call off my reservation",
                "we won't be coming",
                "delete my booking",
            ],
        ),
        (
            "opening_hours",
            &[
                "what are your opening hours",
                "when do you open",
                "what time do you close",
                "are you open on Sunday",
                "how late are you open",
                "what time does the kitchen open",
                "are you open today",
                "your hours please",
            ],
        ),
        (
            "directions",
            &[
                "where are you located",
                "what is your address",
                "how do I get to the restaurant",
                "directions please",
                "is there parking nearby",
                "which street are you on",
                "how do I find you",
            ],
        ),
        (
            "speak_to_person",
            &[
                "can I talk to a human",
                "put me through to a person",
                "I want to speak to someone",
                "connect me to the manager",
                "operator",
                "real person please",
                "let me talk to staff",
            ],
        ),
        (
            "menu",
            &[
                "what's on the menu",
                "do you have vegetarian options",
                "what dishes do you serve",
                "can I see the menu",
                "do you have gluten free food",
                "what desserts do you have",
                "what's the special today",
                "how much is the steak",
            ],
        ),
        ("fallback", &[]),
    ];

    fn build(bot: Bot) -> Matcher {
        let tasks: Vec<Vec<String>> = bot
            .iter()
            .map(|(_, samples)| samples.iter().map(|s| s.to_string()).collect())
            .collect();
        Matcher::new(&tasks, MatcherConfig::default())
    }

    fn task_id(bot: Bot, name: &str) -> usize {
        bot.iter()
            .position(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("no task {name}"))
    }

    /// (bot, utterance, expected task name or None for "must decline").
    const CASES: &[(&str, &str, Option<&str>)] = &[
        // Sign-up bot: misspellings, filler, casing, merged words.
        ("signup", "I want to regster", Some("register")),
        ("signup", "register me please", Some("register")),
        ("signup", "REGISTER!!!", Some("register")),
        (
            "signup",
            "um uh I'd like to sign up please",
            Some("register"),
        ),
        ("signup", "signup", Some("register")),
        ("signup", "i wanna signup", Some("register")),
        ("signup", "Sign me up.", Some("register")),
        ("signup", "create an acount", Some("register")),
        ("signup", "I would like a new account", Some("register")),
        ("signup", "enrol me", Some("register")),
        ("signup", "can you make me an account", Some("register")),
        ("signup", "registration", Some("register")),
        (
            "signup",
            "I want to sign up for an account",
            Some("register"),
        ),
        ("signup", "Goodbye!", Some("goodbye")),
        ("signup", "bye bye", Some("goodbye")),
        ("signup", "good bye", Some("goodbye")),
        ("signup", "no thank you", Some("goodbye")),
        ("signup", "that is all", Some("goodbye")),
        ("signup", "thats all thanks", Some("goodbye")),
        ("signup", "please hang up now", Some("goodbye")),
        ("signup", "hangup", Some("goodbye")),
        // Sign-up bot: must decline.
        ("signup", "", None),
        ("signup", "   ", None),
        ("signup", "um", None),
        ("signup", "uh, um...", None),
        // A lone "what" shared with a task's samples scores above the threshold; the content
        // evidence check is what declines these.
        ("signup", "what's the capital of France", None),
        ("signup", "what time is it", None),
        ("signup", "who painted the sistine chapel", None),
        ("signup", "play some music", None),
        ("signup", "asdf qwerty", None),
        ("signup", "yes", None),
        ("signup", "🙂", None),
        // Restaurant bot.
        (
            "restaurant",
            "i wanna make a reservation for four people",
            Some("book_table"),
        ),
        (
            "restaurant",
            "what time do you open tomorrow",
            Some("opening_hours"),
        ),
        ("restaurant", "Book a table for 2", Some("book_table")),
        (
            "restaurant",
            "a table for two at eight please",
            Some("book_table"),
        ),
        ("restaurant", "um can I reserve a table", Some("book_table")),
        (
            "restaurant",
            "reserve table twenty five people",
            Some("book_table"),
        ),
        ("restaurant", "I'd like to book a tabel", Some("book_table")),
        ("restaurant", "cancel my resevation", Some("cancel_booking")),
        ("restaurant", "I have to cancel", Some("cancel_booking")),
        ("restaurant", "cancel booking", Some("cancel_booking")),
        ("restaurant", "we cant make it", Some("cancel_booking")),
        (
            "restaurant",
            "please delete my reservation",
            Some("cancel_booking"),
        ),
        (
            "restaurant",
            "what time do you close tonight",
            Some("opening_hours"),
        ),
        (
            "restaurant",
            "are you open on saturdays",
            Some("opening_hours"),
        ),
        ("restaurant", "what are you're hours", Some("opening_hours")),
        ("restaurant", "openinghours", Some("opening_hours")),
        (
            "restaurant",
            "what time is the kitchen open until",
            Some("opening_hours"),
        ),
        ("restaurant", "where is the restaurant", Some("directions")),
        ("restaurant", "whats your adress", Some("directions")),
        ("restaurant", "how do I get there", Some("directions")),
        (
            "restaurant",
            "is there anywhere to park",
            Some("directions"),
        ),
        ("restaurant", "where are you", Some("directions")),
        (
            "restaurant",
            "let me speak to a real person",
            Some("speak_to_person"),
        ),
        (
            "restaurant",
            "talk to a human please",
            Some("speak_to_person"),
        ),
        ("restaurant", "OPERATOR", Some("speak_to_person")),
        (
            "restaurant",
            "can i speak with the manager",
            Some("speak_to_person"),
        ),
        (
            "restaurant",
            "I want to talk to somebody",
            Some("speak_to_person"),
        ),
        ("restaurant", "what is on the menu tonight", Some("menu")),
        ("restaurant", "do you have vegan options", Some("menu")),
        ("restaurant", "what deserts do you have", Some("menu")),
        ("restaurant", "how much does the steak cost", Some("menu")),
        ("restaurant", "gluten free", Some("menu")),
        ("restaurant", "what dishes are vegetarian", Some("menu")),
        // Restaurant bot: must decline.
        ("restaurant", "what's the capital of France", None),
        ("restaurant", "who painted the sistine chapel", None),
        ("restaurant", "play some music", None),
        ("restaurant", "asdf qwerty", None),
        ("restaurant", "tell me a joke", None),
        ("restaurant", "I like turtles", None),
        ("restaurant", "yes", None),
        ("restaurant", "um uh", None),
        ("restaurant", "how old are you", None),
        // "reservation" occurs in both booking tasks; "tonight" tips it to booking.
        ("restaurant", "reservation for tonight", Some("book_table")),
    ];

    #[test]
    fn classification_table() {
        let signup = build(SIGNUP);
        let restaurant = build(RESTAURANT);
        let mut failures = Vec::new();
        let declines = CASES.iter().filter(|c| c.2.is_none()).count();
        assert!(CASES.len() >= 60 && declines >= 12);
        for &(bot_name, utterance, expected) in CASES {
            let (bot, matcher) = match bot_name {
                "signup" => (SIGNUP, &signup),
                _ => (RESTAURANT, &restaurant),
            };
            let got = matcher.classify(utterance, None);
            let want = expected.map(|name| task_id(bot, name));
            if got.task != want {
                let name = |t: Option<(usize, f32)>| {
                    t.map(|(id, c)| format!("{}:{c:.2}", bot[id].0))
                        .unwrap_or_else(|| "-".into())
                };
                failures.push(format!(
                    "[{bot_name}] {utterance:?}: expected {:?}, got {:?} ({:?}, conf {:.2}, best {}, next {})",
                    expected,
                    got.task.map(|t| bot[t].0),
                    got.decision,
                    got.confidence,
                    name(got.best),
                    name(got.next_best),
                ));
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {} rows failed:\n{}",
            failures.len(),
            CASES.len(),
            failures.join("\n")
        );
    }

    #[test]
    fn every_sample_matches_its_own_task_with_high_confidence() {
        for bot in [SIGNUP, RESTAURANT] {
            let m = build(bot);
            for (id, (name, samples)) in bot.iter().enumerate() {
                for sample in *samples {
                    let c = m.classify(sample, None);
                    assert_eq!(c.task, Some(id), "{name}: {sample:?} -> {c:?}");
                    assert!(c.confidence >= 0.75, "{sample:?} -> {c:?}");
                }
            }
        }
    }

    #[test]
    fn allowed_restricts_the_candidates() {
        let m = build(SIGNUP);
        let register = task_id(SIGNUP, "register");
        let goodbye = task_id(SIGNUP, "goodbye");
        // Goodbye is the obvious match but not allowed: it must not be chosen, and its score
        // must not be reported either.
        let c = m.classify("goodbye", Some(&[register]));
        assert_ne!(c.task, Some(goodbye));
        assert!(c.best.is_none_or(|(t, _)| t == register), "{c:?}");
        assert!(c.next_best.is_none(), "{c:?}");
        assert_eq!(c.task, None);
        // Allowed tasks still match, and a runner-up outside the list does not make it
        // ambiguous.
        let c = m.classify("register", Some(&[register]));
        assert_eq!(c.task, Some(register));
        assert!(c.next_best.is_none());
        // Nothing allowed, or only ids out of range or without samples: a decline, no panic.
        for allowed in [&[][..], &[99, usize::MAX][..], &[0, 3][..]] {
            let c = m.classify("register", Some(allowed));
            assert_eq!(c.task, None);
            assert_eq!(c.decision, Decision::BelowThreshold);
            assert!(c.best.is_none());
        }
        // None means every task.
        assert_eq!(m.classify("goodbye", None).task, Some(goodbye));
    }

    #[test]
    fn tasks_without_samples_are_never_chosen() {
        let m = build(SIGNUP);
        let empty = [task_id(SIGNUP, "greeting"), task_id(SIGNUP, "fallback")];
        for (utterance, _, _) in CASES.iter().map(|c| (c.1, 0, 0)) {
            let c = m.classify(utterance, None);
            for t in [c.task, c.best.map(|b| b.0), c.next_best.map(|b| b.0)] {
                assert!(t.is_none_or(|t| !empty.contains(&t)), "{utterance:?}");
            }
            assert!(m.scores(utterance).iter().all(|(t, _)| !empty.contains(t)));
        }
        // An assistant with no samples at all declines everything.
        let none = Matcher::new(
            &[vec![], vec![String::new(), "um".into()]],
            Default::default(),
        );
        let c = none.classify("hello", None);
        assert_eq!((c.task, c.decision), (None, Decision::BelowThreshold));
        let none = Matcher::new(&[], Default::default());
        assert_eq!(none.classify("hello", None).task, None);
        assert_eq!(none.classify("", Some(&[0])).decision, Decision::Empty);
    }

    #[test]
    fn odd_inputs_do_not_panic_and_confidence_stays_in_range() {
        let long_word = "a".repeat(10_000);
        let long_words = "register ".repeat(1_200);
        let inputs = [
            String::new(),
            " \t\n ".to_string(),
            long_word,
            long_words,
            "🙂🎉👍🏽 register 🙂".to_string(),
            "\u{0}\u{1}\u{7f}\u{1b}[31m cancel \r\n".to_string(),
            "{}{{{}}}''''\"\"".to_string(),
            "İstanbul ﬁve ½ ² ٣ 四".to_string(),
            "\u{202e}\u{200b}\u{fe0f}".to_string(),
            "reg'ster's'''s n't".to_string(),
            "1234567890123456789012345678901234567890".to_string(),
        ];
        for bot in [SIGNUP, RESTAURANT] {
            let m = build(bot);
            for input in &inputs {
                let c = m.classify(input, None);
                for conf in [
                    Some(c.confidence),
                    c.best.map(|b| b.1),
                    c.next_best.map(|b| b.1),
                ]
                .into_iter()
                .flatten()
                {
                    assert!((0.0..=1.0).contains(&conf), "{input:?}: {c:?}");
                }
                if c.decision == Decision::Empty {
                    assert_eq!((c.task, c.best, c.confidence), (None, None, 0.0));
                }
            }
        }
        // Only punctuation and filler count as empty.
        let m = build(SIGNUP);
        for input in ["", "   ", "?!", "um", "uh, um... please"] {
            assert_eq!(
                m.classify(input, None).decision,
                Decision::Empty,
                "{input:?}"
            );
        }
        // A long repetition of a sample is still that sample.
        let c = m.classify(&"register ".repeat(1_200), None);
        assert_eq!(c.task, Some(task_id(SIGNUP, "register")));
    }

    #[test]
    fn deterministic() {
        // Two separately built matchers must agree bit for bit: nothing may depend on hash-map
        // iteration order (which is arbitrary, though no longer randomly seeded).
        let a = build(RESTAURANT);
        let b = build(RESTAURANT);
        for &(_, utterance, _) in CASES {
            let first = a.classify(utterance, None);
            assert_eq!(first, a.classify(utterance, None));
            assert_eq!(first, b.classify(utterance, None));
            assert_eq!(a.scores(utterance), b.scores(utterance));
        }
    }

    #[test]
    fn config_and_thresholds_apply() {
        let strict = MatcherConfig {
            threshold: Some(1.01),
            ..MatcherConfig::default()
        };
        let tasks = vec![vec!["register".to_string()], vec!["goodbye".to_string()]];
        let m = Matcher::new(&tasks, strict);
        assert_eq!(m.config(), strict);
        assert_eq!(m.threshold(), 1.01);
        assert_eq!(m.threshold_origin(), "set by nlu.threshold");
        let c = m.classify("register", None);
        assert_eq!((c.task, c.decision), (None, Decision::BelowThreshold));
        assert_eq!(c.best.map(|b| b.0), Some(0));
        // Identical samples in two tasks: a tie. Neither leads, so the confidence stays well
        // below a verbatim sample's; the calibrated threshold is in force.
        let twins = vec![
            vec!["book a table".to_string()],
            vec!["book a table".into()],
        ];
        let m = Matcher::new(&twins, MatcherConfig::default());
        let c = m.classify("book a table", None);
        let pair = (c.best.map(|b| b.0), c.next_best.map(|b| b.0));
        assert!(
            pair == (Some(0), Some(1)) || pair == (Some(1), Some(0)),
            "{c:?}"
        );
        assert!(c.confidence < 0.75, "{c:?}");
        assert!((0.0..1.0).contains(&m.threshold()));
        assert_eq!(MatcherConfig::default().threshold, None);
        assert_eq!(m.threshold_origin(), "calibrated for these tasks");
    }

    #[test]
    fn the_confidence_is_the_score_raised_by_the_lead() {
        assert_eq!(confidence(1.0, 0.0), 1.0);
        assert_eq!(confidence(0.0, 0.0), 0.0);
        // A clear lead raises a middling score; a tie lowers it.
        assert!(confidence(0.5, 0.1) > confidence(0.5, 0.45));
        assert!(confidence(0.5, 0.5) < 0.5);
        // A weak best task far ahead of nothing stays weak: the raw score dominates.
        assert!(confidence(0.1, 0.0) < confidence(0.4, 0.35));
        assert!(confidence(f32::NAN, 0.0) == 0.0);
    }

    #[test]
    fn scores_are_sorted_and_match_classify() {
        let m = build(RESTAURANT);
        let scores = m.scores("where are you located");
        assert!(scores.windows(2).all(|w| w[0].1 >= w[1].1));
        let c = m.classify("where are you located", None);
        assert_eq!(scores.first().copied(), c.best);
        assert!(m.scores("um").is_empty());
    }

    #[test]
    fn pruned_scoring_agrees_with_exhaustive_scoring() {
        // Large enough that shared words exceed COMMON_POSTINGS and pruning kicks in.
        let topics = [
            "parcel", "invoice", "password", "refund", "delivery", "warranty", "upgrade",
            "address", "payment", "voucher", "battery", "screen", "charger", "contract",
        ];
        let actions = [
            "track", "change", "cancel", "check", "report", "renew", "find",
        ];
        let mut tasks: Vec<Vec<String>> = Vec::new();
        for topic in topics {
            for action in actions {
                tasks.push(vec![
                    format!("i want to {action} my {topic}"),
                    format!("can you help me {action} the {topic} please"),
                    format!("{action} {topic}"),
                    format!("how do i {action} a {topic} on my account"),
                ]);
            }
        }
        assert!(tasks.len() * 4 > 2 * COMMON_POSTINGS);
        // Threshold 0: every decision is at stake, so pruning must never change the best task.
        let m = Matcher::new(
            &tasks,
            MatcherConfig {
                threshold: Some(0.0),
                ..MatcherConfig::default()
            },
        );
        let mut utterances: Vec<String> = CASES.iter().map(|c| c.1.to_string()).collect();
        for (i, topic) in topics.iter().enumerate() {
            let action = actions[i % actions.len()];
            utterances.push(format!("um i need to {action} my {topic} on my account"));
            utterances.push(format!("help me with my acount {topic}"));
            utterances.push(topic.to_string());
            utterances.push("can you help me please".into());
        }
        for u in &utterances {
            let c = m.classify(u, None);
            let all = m.scores(u);
            if c.decision == Decision::Empty {
                assert!(all.is_empty(), "{u:?}");
                continue;
            }
            // The exhaustive top two, and the decision they imply.
            let best = all.first().copied().filter(|b| b.1 > 0.0);
            let next = all.get(1).copied().filter(|n| n.1 > 0.0);
            assert_eq!(c.best, best, "{u:?}");
            // Pruning can only lower the confidence (it assumes the strongest runner-up a
            // pruned task could be), and is exact when the runner-up is.
            let expected = best.map_or(0.0, |b| confidence(b.1, next.map_or(0.0, |n| n.1)));
            assert!(c.confidence <= expected + 1e-6, "{u:?}");
            if c.next_best == next && c.confidence != expected {
                let bound_used = c.confidence < expected;
                assert!(bound_used, "{u:?}");
            }
            if c.decision == Decision::Matched {
                assert!(c.confidence >= m.threshold(), "{u:?}");
            }
        }
    }

    #[test]
    fn the_threshold_calibrates_itself_for_small_and_large_assistants() {
        let topics = [
            "parcel", "invoice", "password", "refund", "delivery", "warranty", "upgrade",
            "address", "payment", "voucher", "battery", "screen", "charger", "contract",
        ];
        let actions = [
            "track", "change", "cancel", "check", "report", "renew", "find",
        ];
        let mut large: Vec<Vec<String>> = Vec::new();
        let mut names: Vec<String> = Vec::new();
        for topic in topics {
            for action in actions {
                names.push(format!("{action} {topic}"));
                large.push(vec![
                    format!("i want to {action} my {topic}"),
                    format!("can you help me {action} the {topic} please"),
                    format!("{action} {topic}"),
                    format!("how do i {action} a {topic} on my account"),
                ]);
            }
        }
        let big = Matcher::new(&large, MatcherConfig::default());
        let small = build(RESTAURANT);
        for m in [&big, &small] {
            assert!((0.02..0.6).contains(&m.threshold()), "{}", m.threshold());
        }
        // Deterministic: the same tasks calibrate to the same threshold.
        assert_eq!(
            Matcher::new(&large, MatcherConfig::default()).threshold(),
            big.threshold()
        );
        // Both route genuine requests and decline others with their own thresholds.
        let route = |u: &str| big.classify(u, None).task.map(|t| names[t].as_str());
        assert_eq!(route("um could you track my parcel"), Some("track parcel"));
        assert_eq!(
            route("i need to renew the contract"),
            Some("renew contract")
        );
        assert_eq!(route("cancel my vouchr please"), Some("cancel voucher"));
        for off in [
            "what's the capital of france",
            "play some jazz",
            "tell me a joke",
        ] {
            assert_eq!(route(off), None, "{off}");
            assert_eq!(small.classify(off, None).task, None, "{off}");
        }
    }

    #[test]
    fn packed_grams_are_distinct() {
        // Different lengths, padding positions, NUL and the largest code point never collide.
        let grams = [
            "abc",
            "abcd",
            "abcde",
            " ab",
            "ab ",
            "a b",
            "\u{0}ab",
            "ab\u{0}",
            "\u{0}\u{0}\u{0}",
            "\u{0}\u{0}\u{0}\u{0}",
            "\u{10FFFF}\u{10FFFF}\u{10FFFF}\u{10FFFF}\u{10FFFF}",
            "\u{10FFFF}\u{10FFFF}\u{10FFFF}",
            "éab",
            "eab",
        ];
        let mut seen = std::collections::HashSet::new();
        for g in grams {
            let chars: Vec<char> = g.chars().collect();
            assert!(seen.insert(gram(&chars)), "{g:?}");
        }
    }

    #[test]
    fn transpose_regroups_rows_in_order() {
        let mut rows = Rows::default();
        rows.push_row([(2, 1.0), (0, 2.0), (2, 3.0)]);
        rows.push_row([]);
        rows.push_row([(1, 4.0), (2, 5.0)]);
        let t = rows.transpose(4);
        assert_eq!(t.len(), 4);
        assert_eq!(t.row(0), &[(0, 2.0)]);
        assert_eq!(t.row(1), &[(2, 4.0)]);
        // By ascending row, repeated entries of one row in the order they came.
        assert_eq!(t.row(2), &[(0, 1.0), (0, 3.0), (2, 5.0)]);
        assert!(t.row(3).is_empty());
        let back = t.transpose(3);
        assert_eq!(back.row(0), &[(0, 2.0), (2, 1.0), (2, 3.0)]);
        assert!(back.row(1).is_empty());
        assert_eq!(back.row(2), &[(1, 4.0), (2, 5.0)]);
    }

    #[test]
    fn matcher_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Matcher>();
    }
}
