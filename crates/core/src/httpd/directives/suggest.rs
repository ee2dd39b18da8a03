//! "Did you mean": the known name nearest to a misspelt one.

/// Names longer than this are not directive names anyone misspelt, and
/// comparing them costs time for nothing.
const MAX_LEN: usize = 64;

/// The candidate with the smallest edit distance to `name` (ASCII case
/// ignored, as httpd ignores it), when that distance is small for the
/// name's length: one edit for short names, up to three for long ones.
pub(super) fn closest(name: &str, candidates: impl Iterator<Item = &'static str>) -> Option<&'static str> {
    if name.is_empty() || name.len() > MAX_LEN {
        return None;
    }
    let limit = (name.len() / 4).clamp(1, 3);
    let mut best: Option<(usize, &'static str)> = None;
    for candidate in candidates {
        if candidate.len().abs_diff(name.len()) > limit {
            continue;
        }
        let d = distance(name.as_bytes(), candidate.as_bytes());
        if d <= limit && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// Levenshtein distance over ASCII-lowercased bytes.
fn distance(a: &[u8], b: &[u8]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(!ca.eq_ignore_ascii_case(&cb));
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_edits_ignoring_case() {
        assert_eq!(distance(b"ServerName", b"servername"), 0);
        assert_eq!(distance(b"ServrName", b"ServerName"), 1);
        assert_eq!(distance(b"abc", b"xyz"), 3);
    }

    #[test]
    fn closest_needs_a_plausible_typo() {
        let names = ["ServerName", "ServerAlias", "Listen"];
        assert_eq!(closest("ServreName", names.into_iter()), Some("ServerName"));
        assert_eq!(closest("Lisen", names.into_iter()), Some("Listen"));
        assert_eq!(closest("Foo", names.into_iter()), None);
        assert_eq!(closest(&"x".repeat(1000), names.into_iter()), None);
    }
}
