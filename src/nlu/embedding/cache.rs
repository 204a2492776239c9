//! Sample embeddings kept on disk between runs, so that restarting a server with a large
//! assistant does not run the model over every sample again (20,000 samples take minutes; read
//! back, well under a second).
//!
//! One file per model, named by the model's fingerprint (a SHA-256 of its weights, config,
//! tokenizer and pooling: a changed model never reads another's vectors), in
//! `$SWITCHBOARD_CACHE`, else `$XDG_CACHE_HOME/switchboard`, else `~/.cache/switchboard`.
//! Entries are keyed by a SHA-256 of the token ids, so the key is exactly what the model reads.
//!
//! Format: the line `switchboard embeddings 1 <dim>\n`, then records of a 16-byte key and `dim`
//! little-endian f32s. Written whole to a temporary file and renamed over the old one, so a
//! reader never sees half a file, and two servers starting together at worst each write the
//! vectors they computed. A file that does not parse is ignored (and replaced): it is only a
//! cache. It holds the samples' vectors, which is what the flows folder holds in words.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// A key: the first 16 bytes of the SHA-256 of a sentence's token ids.
pub(super) type Key = [u8; 16];

/// The key of a token id sequence.
pub(super) fn key(ids: &[u32]) -> Key {
    let mut hash = Sha256::new();
    for id in ids {
        hash.update(id.to_le_bytes());
    }
    let digest = hash.finalize();
    let mut key = [0u8; 16];
    key.copy_from_slice(&digest[..16]);
    key
}

/// The folder caches go in, if one can be named.
pub(super) fn default_dir() -> Option<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    var("SWITCHBOARD_CACHE")
        .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("switchboard")))
        .or_else(|| var("HOME").map(|d| d.join(".cache").join("switchboard")))
}

/// The vectors stored for one model.
pub(super) struct Cache {
    path: PathBuf,
    dim: usize,
    vectors: HashMap<Key, Vec<f32>>,
}

impl Cache {
    /// The cache of the model with `fingerprint` in `dir` (empty if there is none yet or it
    /// cannot be read).
    pub(super) fn open(dir: &Path, fingerprint: &str, dim: usize) -> Cache {
        let path = dir.join(format!("embeddings-{fingerprint}.bin"));
        let vectors = std::fs::read(&path)
            .ok()
            .and_then(|bytes| parse(&bytes, dim))
            .unwrap_or_default();
        Cache { path, dim, vectors }
    }

    pub(super) fn get(&self, key: &Key) -> Option<&Vec<f32>> {
        self.vectors.get(key)
    }

    /// Adds `new` vectors and writes the whole cache back (nothing to do without new ones).
    pub(super) fn store(&mut self, new: Vec<(Key, Vec<f32>)>) -> std::io::Result<()> {
        if new.is_empty() {
            return Ok(());
        }
        self.vectors
            .extend(new.into_iter().filter(|(_, v)| v.len() == self.dim));
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let mut file = tempfile::NamedTempFile::new_in(dir)?;
        {
            let mut out = std::io::BufWriter::new(file.as_file_mut());
            writeln!(out, "{HEADER}{}", self.dim)?;
            let mut keys: Vec<&Key> = self.vectors.keys().collect();
            keys.sort_unstable();
            for key in keys {
                out.write_all(key)?;
                for x in &self.vectors[key] {
                    out.write_all(&x.to_le_bytes())?;
                }
            }
            out.flush()?;
        }
        file.persist(&self.path).map_err(|e| e.error)?;
        Ok(())
    }

    /// Where the cache lives.
    pub(super) fn path(&self) -> &Path {
        &self.path
    }
}

const HEADER: &str = "switchboard embeddings 1 ";

/// The records of a cache file, or None if it is not one for vectors of `dim`.
fn parse(bytes: &[u8], dim: usize) -> Option<HashMap<Key, Vec<f32>>> {
    let newline = bytes.iter().position(|&b| b == b'\n')?;
    let header = std::str::from_utf8(&bytes[..newline]).ok()?;
    if header.strip_prefix(HEADER)?.parse::<usize>().ok()? != dim {
        return None;
    }
    let body = &bytes[newline + 1..];
    let record = 16 + 4 * dim;
    if !body.len().is_multiple_of(record) {
        return None;
    }
    let mut vectors = HashMap::with_capacity(body.len() / record);
    for chunk in body.chunks_exact(record) {
        let mut key = [0u8; 16];
        key.copy_from_slice(&chunk[..16]);
        let vector = chunk[16..]
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        vectors.insert(key, vector);
    }
    Some(vectors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_vectors_are_read_back_and_other_files_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = Cache::open(dir.path(), "abc", 2);
        assert!(cache.get(&key(&[1, 2])).is_none());
        cache
            .store(vec![
                (key(&[1, 2]), vec![0.5, -0.25]),
                (key(&[3]), vec![1.0]),
            ])
            .unwrap();
        let again = Cache::open(dir.path(), "abc", 2);
        assert_eq!(again.get(&key(&[1, 2])), Some(&vec![0.5, -0.25]));
        // A vector of the wrong length is never stored.
        assert!(again.get(&key(&[3])).is_none());
        // Another dimension, or a damaged file: nothing, not garbage.
        assert!(Cache::open(dir.path(), "abc", 3).vectors.is_empty());
        let path = again.path().to_path_buf();
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.pop();
        std::fs::write(&path, bytes).unwrap();
        assert!(Cache::open(dir.path(), "abc", 2).vectors.is_empty());
    }
}
