//! A map from byte strings that costs the same whatever its size, and little when small.
//!
//! The policy looks request values up in a few sets fixed at build time: the exact origins,
//! the allowed methods. Hashing a value costs about 100 instructions; comparing it with a
//! handful of entries costs a few each (most differ in length, the rest cost one short
//! `memcmp`). So up to `FEW` entries are compared one by one, and a larger map is hashed:
//! the cost stays flat as the map grows.

use hashbrown::HashMap;

/// Byte strings to values; up to `FEW` entries, a key is compared with each rather than
/// hashed.
#[derive(Debug)]
pub(crate) struct BytesMap<V, const FEW: usize> {
    map: HashMap<Box<[u8]>, V>,
    /// The same entries while there are at most `FEW`.
    few: Vec<(Box<[u8]>, V)>,
}

impl<V, const FEW: usize> Default for BytesMap<V, FEW> {
    fn default() -> Self {
        BytesMap {
            map: HashMap::new(),
            few: Vec::new(),
        }
    }
}

impl<V: Copy, const FEW: usize> BytesMap<V, FEW> {
    /// Adds `key` unless it is there already (the first value stays).
    pub(crate) fn insert(&mut self, key: &[u8], value: V) {
        if self.map.contains_key(key) {
            return;
        }
        self.map.insert(key.into(), value);
        if self.map.len() <= FEW {
            self.few.push((key.into(), value));
        } else {
            self.few = Vec::new();
        }
    }

    pub(crate) fn get(&self, key: &[u8]) -> Option<V> {
        if self.map.len() <= FEW {
            self.few.iter().find(|(k, _)| **k == *key).map(|&(_, v)| v)
        } else {
            self.map.get(key).copied()
        }
    }

    pub(crate) fn contains(&self, key: &[u8]) -> bool {
        self.map.contains_key(key)
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FEW: usize = 4;

    #[test]
    fn answers_alike_compared_one_by_one_or_hashed() {
        // Up to FEW entries are compared in a list, more are hashed: the answers must not
        // depend on which.
        for n in [1, FEW, FEW + 1, 40] {
            let mut m = BytesMap::<usize, FEW>::default();
            let keys: Vec<String> = (0..n).map(|i| format!("key-{i:02}")).collect();
            for (i, k) in keys.iter().enumerate() {
                m.insert(k.as_bytes(), i);
                m.insert(k.as_bytes(), usize::MAX); // a repeat keeps the first value
            }
            assert_eq!(m.len(), n);
            for (i, k) in keys.iter().enumerate() {
                assert_eq!(m.get(k.as_bytes()), Some(i), "{n} entries: {k}");
                assert!(m.contains(k.as_bytes()));
            }
            // Same length as every key, a prefix of one, and empty: all absent.
            for miss in ["key-99", "key-0", ""] {
                assert_eq!(m.get(miss.as_bytes()), None, "{n} entries: {miss:?}");
            }
        }
    }
}
