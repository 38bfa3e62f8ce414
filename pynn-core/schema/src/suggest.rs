//! "Did you mean": the closest allowed name to a misspelt one.

use alloc::string::String;
use alloc::vec::Vec;

/// The closest of `candidates` to `name` by [`edit_distance`]
/// (case-insensitive), if it is close enough to be a plausible typo: at most
/// a third of the name's length, and at least 1. The first of equally close
/// candidates wins.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    let name = lower(name);
    candidates
        .into_iter()
        .map(|c| (edit_distance(&name, &lower(c)), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn lower(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

/// Levenshtein distance between `a` and `b`, in characters (insertions,
/// deletions and substitutions each cost 1).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = prev.clone();
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        core::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("", "ab"), 2);
        assert_eq!(edit_distance("tau_m", "tau_n"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("µs", "us"), 1);
    }

    #[test]
    fn suggests_close_names_only() {
        let allowed = ["tau_m", "tau_refrac", "v_thresh", "cm"];
        assert_eq!(closest("tau_n", allowed), Some("tau_m"));
        assert_eq!(closest("V_THRES", allowed), Some("v_thresh"));
        assert_eq!(closest("completely_else", allowed), None);
        assert_eq!(closest("x", allowed), None);
    }
}
