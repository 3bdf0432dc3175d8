//! Comparing secrets (tokens, codes, signatures) in time that does not depend on where they
//! first differ, so that an answer's timing does not tell a guesser how much of a guess was
//! right.

/// Whether `a` and `b` are the same bytes; the time depends only on their lengths.
pub fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    #[test]
    fn equal_bytes_only() {
        assert!(super::same(b"abc", b"abc"));
        assert!(!super::same(b"abc", b"abd"));
        assert!(!super::same(b"abc", b"abcd"));
        assert!(super::same(b"", b""));
    }
}
