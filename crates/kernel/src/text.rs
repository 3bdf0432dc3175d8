//! Vietnamese text: NFC storage form and the folded form used for search.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// The storage form of every user-supplied text: NFC, trimmed, inner whitespace collapsed.
pub fn clean(s: &str) -> String {
    let nfc: String = s.nfc().collect();
    nfc.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Lower case, no tone or vowel marks, `đ` as `d`: "Đăng ký" and "dang ky" fold alike.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            'đ' | 'Đ' => out.push('d'),
            _ => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// Lower case with marks kept (NFC), used to reward queries typed with the exact diacritics.
pub fn lower_exact(s: &str) -> String {
    s.nfc().flat_map(char::to_lowercase).collect()
}

/// Words of a text: maximal runs of letters and digits. Dots inside codes such as
/// `1.001193` are kept so a procedure code is one word.
pub fn words(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let bytes: Vec<(usize, char)> = s.char_indices().collect();
    for (i, &(pos, c)) in bytes.iter().enumerate() {
        let inner_dot = c == '.'
            && start.is_some()
            && bytes.get(i + 1).is_some_and(|&(_, n)| n.is_ascii_digit())
            && i > 0
            && bytes[i - 1].1.is_ascii_digit();
        if c.is_alphanumeric() || inner_dot {
            if start.is_none() {
                start = Some(pos);
            }
        } else if let Some(st) = start.take() {
            out.push(&s[st..pos]);
        }
    }
    if let Some(st) = start {
        out.push(&s[st..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_marks_and_d() {
        assert_eq!(fold("Đăng ký khai sinh"), "dang ky khai sinh");
        assert_eq!(fold("GIẤY PHÉP XÂY DỰNG"), "giay phep xay dung");
        assert_eq!(fold("Hộ tịch"), "ho tich");
    }

    #[test]
    fn clean_is_nfc_and_collapses_space() {
        let decomposed = "Tuye\u{0302}n  Quang ";
        assert_eq!(clean(decomposed), "Tuyên Quang");
    }

    #[test]
    fn words_keep_codes() {
        assert_eq!(words("Mã 1.001193, khai-sinh."), vec!["Mã", "1.001193", "khai", "sinh"]);
    }
}
