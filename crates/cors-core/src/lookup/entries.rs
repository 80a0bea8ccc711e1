//! The answers a lookup cache keeps. Allowed origins and refused ones have rooms of their own,
//! each of the cache's capacity: a flood of origins nobody allows (a scanner, random
//! subdomains) fills only the refusals' room, and never pushes out an origin that is allowed.

use crate::lookup::answer::Answer;
use hashbrown::HashMap;
use std::time::Instant;

/// When each kept answer expires, by origin.
type Room = HashMap<Box<[u8]>, Instant>;

#[derive(Default)]
pub(super) struct Entries {
    allowed: Room,
    refused: Room,
}

impl Entries {
    /// The answer kept for `raw`, if it has not expired. Allocates nothing.
    #[inline]
    pub(super) fn get(&self, raw: &[u8], now: Instant) -> Option<Answer> {
        if let Some(expires) = self.allowed.get(raw) {
            return (now < *expires).then_some(Answer::Allowed);
        }
        let expires = self.refused.get(raw)?;
        (now < *expires).then_some(Answer::Refused)
    }

    /// Keeps an answer until `expires`, in its own room, which keeps at most `capacity`.
    /// A failed lookup is never kept.
    pub(super) fn insert(&mut self, origin: &[u8], answer: Answer, expires: Instant, capacity: usize) {
        let (room, other) = match answer {
            Answer::Allowed => (&mut self.allowed, &mut self.refused),
            Answer::Refused => (&mut self.refused, &mut self.allowed),
            Answer::Failed => return,
        };
        other.remove(origin);
        if room.len() >= capacity && !room.contains_key(origin) {
            make_room(room, capacity, Instant::now());
        }
        room.insert(origin.into(), expires);
    }

    pub(super) fn remove(&mut self, origin: &[u8]) {
        self.allowed.remove(origin);
        self.refused.remove(origin);
    }

    pub(super) fn clear(&mut self) {
        self.allowed.clear();
        self.refused.clear();
    }

    /// Allowed origins kept, refused ones kept.
    pub(super) fn len(&self) -> (usize, usize) {
        (self.allowed.len(), self.refused.len())
    }
}

/// Drops expired answers, then (if still full) an eighth of the room, in no order.
fn make_room(room: &mut Room, capacity: usize, now: Instant) {
    room.retain(|_, expires| now < *expires);
    if room.len() >= capacity {
        let mut excess = room.len() + 1 - capacity + capacity / 8;
        room.retain(|_, _| {
            let keep = excess == 0;
            excess = excess.saturating_sub(1);
            keep
        });
    }
}
