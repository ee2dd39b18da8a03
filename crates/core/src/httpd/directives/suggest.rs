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
        let d = distance(name.as_bytes(), candidate.as_bytes(), limit);
        if d <= limit && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// Levenshtein distance over ASCII-lowercased bytes, or `limit + 1` as
/// soon as every path is over `limit`: most candidates are far off, and a
/// run over a fleet asks this for every unknown name against ~1,000 names.
/// Rows live on the stack (names are at most [`MAX_LEN`] + 3 bytes).
fn distance(a: &[u8], b: &[u8], limit: usize) -> usize {
    const ROW: usize = MAX_LEN + 8;
    if b.len() >= ROW {
        return limit + 1;
    }
    let mut prev = [0usize; ROW];
    let mut cur = [0usize; ROW];
    for (j, slot) in prev.iter_mut().enumerate().take(b.len() + 1) {
        *slot = j;
    }
    for (i, &ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        let mut row_min = cur[0];
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(!ca.eq_ignore_ascii_case(&cb));
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            row_min = row_min.min(cur[j + 1]);
        }
        if row_min > limit {
            return limit + 1;
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
        assert_eq!(distance(b"ServerName", b"servername", 3), 0);
        assert_eq!(distance(b"ServrName", b"ServerName", 3), 1);
        assert_eq!(distance(b"abc", b"xyz", 3), 3);
        // Past the limit the answer is only "too far".
        assert_eq!(distance(b"abcdef", b"uvwxyz", 2), 3);
        assert_eq!(distance(b"a", &[b'a'; 200], 3), 4);
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
