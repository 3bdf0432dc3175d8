//! Vietnamese text: NFC storage form and the folded form used for search.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// The storage form of every user-supplied text: NFC, trimmed, inner whitespace collapsed.
pub fn clean(s: &str) -> String {
    // Most text arrives NFC already (phones send precomposed letters) and holds no format
    // characters; the quick check answers that without building a normalised copy.
    let normalised;
    let text = if unicode_normalization::is_nfc_quick(s.chars()) == unicode_normalization::IsNormalized::Yes
        && !s.chars().any(is_invisible_format)
    {
        s
    } else {
        normalised = s.nfc().filter(|c| !is_invisible_format(*c)).collect::<String>();
        &normalised
    };
    let mut out = String::with_capacity(text.len());
    for w in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// Unicode format characters that change how text displays without showing themselves:
/// bidirectional overrides and isolates (U+202E makes "gpj.exe" read "exe.jpg"), zero-width
/// spaces and joiners, the byte-order mark, the soft hyphen. Vietnamese text needs none of them.
pub fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// Lower case, no tone or vowel marks, `đ` as `d`: "Đăng ký" and "dang ky" fold alike.
pub fn fold(s: &str) -> String {
    // Each character decomposed on its own: NFD would also reorder runs of combining marks,
    // but every one of them is dropped here, so the order they would come in does not matter.
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        unicode_normalization::char::decompose_canonical(c, |d| {
            if is_combining_mark(d) {
                return;
            }
            match d {
                'đ' | 'Đ' => out.push('d'),
                _ => out.extend(d.to_lowercase()),
            }
        });
    }
    out
}

/// Vietnamese written without its marks, case kept ("Hồ sơ Đã nộp" → "Ho so Da nop"): a text
/// message in the GSM alphabet holds 160 characters, one with a single mark only 70.
pub fn unmarked(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c);
            continue;
        }
        unicode_normalization::char::decompose_canonical(c, |d| match d {
            'đ' => out.push('d'),
            'Đ' => out.push('D'),
            d if is_combining_mark(d) => {}
            d if d.is_ascii() => out.push(d),
            // Typographic punctuation the GSM alphabet lacks.
            '–' | '—' => out.push('-'),
            '‘' | '’' => out.push('\''),
            '“' | '”' => out.push('"'),
            '…' => out.push_str("..."),
            _ => out.push('?'),
        });
    }
    out
}

/// Lower case with marks kept (NFC), used to reward queries typed with the exact diacritics.
pub fn lower_exact(s: &str) -> String {
    s.nfc().flat_map(char::to_lowercase).collect()
}

/// The beginning of a text for a list line: at most `max` characters, cut after a whole word
/// with "…" when anything was left out; spaces and line breaks run together.
pub fn excerpt(s: &str, max: usize) -> String {
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let head: String = flat.chars().take(max.saturating_sub(1)).collect();
    // Keep the last word only if the cut fell right after it.
    let whole = match flat.chars().nth(head.chars().count()) {
        Some(' ') => head.as_str(),
        _ => head.rsplit_once(' ').map_or(head.as_str(), |(kept, _)| kept),
    };
    format!("{}…", whole.trim_end_matches([',', ';', ':', '.', ' ']))
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

/// The five tone marks, as combining characters (huyền, sắc, ngã, hỏi, nặng). The other
/// Vietnamese marks (â ă ê ô ơ ư) change the letter and stay where they are.
const TONES: [char; 5] = ['\u{0300}', '\u{0301}', '\u{0303}', '\u{0309}', '\u{0323}'];

/// A name's spelling with the tone of each word set apart from its letters, lower case: the
/// old and new tone placements ("Thuỷ" and "Thủy", "Hoà" and "Hòa", "Khoẻ" and "Khỏe") give
/// the same key, while another tone or another letter ("Nguyên" for "Nguyễn") does not.
pub fn spelling_key(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for word in clean(s).split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        let mut tones = String::new();
        for c in word.chars() {
            unicode_normalization::char::decompose_canonical(c, |d| {
                if TONES.contains(&d) {
                    tones.push(d);
                } else {
                    out.extend(d.to_lowercase());
                }
            });
        }
        out.push_str(&tones);
    }
    out
}

#[cfg(test)]
mod unmarked_tests {
    #[test]
    fn vietnamese_without_marks_keeps_case_and_length_sense() {
        assert_eq!(super::unmarked("Hồ sơ Đã tiếp nhận – ngày 04/02"), "Ho so Da tiep nhan - ngay 04/02");
        assert_eq!(super::unmarked("Ưu tiên ĐƯỜNG Ỷ"), "Uu tien DUONG Y");
        assert!(super::unmarked("Phản ánh “ổ gà”…").is_ascii());
    }
}

#[cfg(test)]
mod tests {
    use super::spelling_key;

    #[test]
    fn a_tone_written_on_either_vowel_is_one_spelling() {
        assert_eq!(spelling_key("Thuỷ"), spelling_key("Thủy"));
        assert_eq!(spelling_key("Nguyễn Thị Hoà"), spelling_key("nguyễn  thị HÒA"));
        assert_eq!(spelling_key("Khoẻ"), spelling_key("Khỏe"));
        assert_ne!(spelling_key("Nguyễn"), spelling_key("Nguyên"));
        assert_ne!(spelling_key("Nguyễn"), spelling_key("Nguyen"));
        assert_ne!(spelling_key("Lê"), spelling_key("Lế"));
        assert_ne!(spelling_key("Hòa"), spelling_key("Hóa"));
        // Decomposed input (some keyboards) is the same spelling.
        assert_eq!(spelling_key("Nguye\u{302}\u{303}n"), spelling_key("Nguyễn"));
    }

    #[test]
    fn excerpts_end_on_a_whole_word() {
        use super::excerpt;
        assert_eq!(excerpt("Ổ gà  lớn\ngiữa đường", 40), "Ổ gà lớn giữa đường");
        assert_eq!(excerpt("Nước sinh hoạt mất mấy ngày liền, chưa ai đến sửa", 20), "Nước sinh hoạt mất…");
        assert_eq!(excerpt("Nước sinh hoạt mất mấy", 19), "Nước sinh hoạt mất…");
        // One word longer than the room is cut inside it rather than shown whole.
        assert_eq!(excerpt("Thànhphốkhôngcókhoảngtrắng", 6), "Thành…");
        for n in 1..60 {
            let e = excerpt("Rác thải đổ trộm ven đường, bốc mùi, đã nhiều ngày", n);
            assert!(e.chars().count() <= n.max(1), "{n}: {e}");
        }
    }

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

    use proptest::prelude::*;

    /// The definitions the fast paths must agree with.
    fn fold_by_nfd(s: &str) -> String {
        s.nfd()
            .filter(|c| !is_combining_mark(*c))
            .flat_map(|c| if matches!(c, 'đ' | 'Đ') { 'd'.to_lowercase() } else { c.to_lowercase() })
            .collect()
    }
    fn clean_by_nfc(s: &str) -> String {
        let nfc: String = s.nfc().filter(|c| !is_invisible_format(*c)).collect();
        nfc.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// Vietnamese letters precomposed and decomposed, marks alone and stacked, format
    /// characters, other scripts and whitespace of every kind.
    fn texts() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "a",
            "Đ",
            "đ",
            "ệ",
            "e\u{302}\u{323}",
            "\u{323}\u{302}",
            "ƯỚ",
            "u\u{31b}\u{301}",
            "\u{301}",
            " ",
            "\t",
            "\u{a0}",
            "\u{202e}",
            "\u{200b}",
            "\u{fb01}",
            "ﬀ",
            "İ",
            "ß",
            "Ω",
            "가",
            "\u{1e9e}",
            "x",
            "1.001193",
            "\u{344}",
            "\u{f900}",
        ]);
        prop::collection::vec(prop_oneof![pieces.prop_map(str::to_owned), any::<char>().prop_map(String::from)], 0..24)
            .prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn fold_agrees_with_nfd(s in texts()) {
            prop_assert_eq!(fold(&s), fold_by_nfd(&s));
        }

        #[test]
        fn clean_agrees_with_nfc(s in texts()) {
            prop_assert_eq!(clean(&s), clean_by_nfc(&s));
        }
    }

    #[test]
    fn words_keep_codes() {
        assert_eq!(words("Mã 1.001193, khai-sinh."), vec!["Mã", "1.001193", "khai", "sinh"]);
    }
}

/// Vietnamese alphabetical order: letters by the Vietnamese alphabet (a ă â b c d đ e ê … o ô ơ
/// … u ư …), and only where two texts have the same letters, by tone (none, huyền, hỏi, ngã,
/// sắc, nặng). Case is ignored. Digits come before letters, other characters after, by code.
pub fn vi_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    vi_key(a).cmp(&vi_key(b)).then_with(|| a.cmp(b))
}

/// The key `vi_cmp` orders by, for `sort_by_cached_key` over many items: the letters, then the
/// tones.
pub fn vi_key(s: &str) -> (Vec<u32>, Vec<u8>) {
    const ALPHABET: &str = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz";
    let (mut letters, mut tones) = (Vec::new(), Vec::new());
    let mut pending: Option<(char, u8)> = None;
    let push = |base: char, tone: u8, letters: &mut Vec<u32>, tones: &mut Vec<u8>| {
        let primary = match ALPHABET.chars().position(|c| c == base) {
            Some(i) => 100 + u32::try_from(i).unwrap_or(0),
            None if base.is_ascii_digit() => u32::from(base) - u32::from('0'),
            None if base.is_whitespace() => 10,
            None => 1000 + u32::from(base),
        };
        letters.push(primary);
        tones.push(tone);
    };
    for c in s.nfd().flat_map(char::to_lowercase) {
        let modified = |base: char, with: char| -> Option<char> {
            Some(match (base, with) {
                ('a', '\u{306}') => 'ă',
                ('a', '\u{302}') => 'â',
                ('e', '\u{302}') => 'ê',
                ('o', '\u{302}') => 'ô',
                ('o', '\u{31b}') => 'ơ',
                ('u', '\u{31b}') => 'ư',
                _ => return None,
            })
        };
        let tone = match c {
            '\u{300}' => Some(1), // huyền
            '\u{309}' => Some(2), // hỏi
            '\u{303}' => Some(3), // ngã
            '\u{301}' => Some(4), // sắc
            '\u{323}' => Some(5), // nặng
            _ => None,
        };
        match (pending, tone) {
            (Some((base, _)), Some(t)) => pending = Some((base, t)),
            (Some((base, t)), None) if is_combining_mark(c) => {
                pending = Some((modified(base, c).unwrap_or(base), t));
            }
            (p, _) => {
                if let Some((base, t)) = p {
                    push(base, t, &mut letters, &mut tones);
                }
                pending = (!is_combining_mark(c)).then_some((c, 0));
            }
        }
    }
    if let Some((base, t)) = pending {
        push(base, t, &mut letters, &mut tones);
    }
    (letters, tones)
}

/// The key a list of people is sorted by, as Vietnamese registers do: the given name (the last
/// word) first, then the family name (the first word), then the middle names, each in
/// Vietnamese alphabetical order ("Trần Văn An" before "Lê Thị Bình").
pub fn person_key(full_name: &str) -> (Vec<u32>, Vec<u8>) {
    let words: Vec<&str> = full_name.split_whitespace().collect();
    match words.split_last() {
        Some((given, rest)) if !rest.is_empty() => {
            let mut reordered = vec![*given];
            reordered.extend(rest);
            vi_key(&reordered.join(" "))
        }
        _ => vi_key(full_name),
    }
}

#[cfg(test)]
mod vi_order_tests {
    use super::vi_cmp;

    fn sorted(mut v: Vec<&str>) -> Vec<&str> {
        v.sort_by(|a, b| vi_cmp(a, b));
        v
    }

    #[test]
    fn vietnamese_alphabet_then_tones() {
        // đ after d, ă and â after a, ơ after ô, ư after u, whatever the code points say.
        assert_eq!(
            sorted(vec!["Đông", "Dương", "Yên Sơn", "An", "Ân", "Ăn", "Bình"]),
            ["An", "Ăn", "Ân", "Bình", "Dương", "Đông", "Yên Sơn"]
        );
        assert_eq!(sorted(vec!["Ơn", "Ôn", "On", "Ưu", "Uy"]), ["On", "Ôn", "Ơn", "Uy", "Ưu"]);
        // Tones only where the letters are the same: ngang, huyền, hỏi, ngã, sắc, nặng.
        assert_eq!(sorted(vec!["má", "mạ", "mà", "ma", "mã", "mả"]), ["ma", "mà", "mả", "mã", "má", "mạ"]);
        assert_eq!(
            sorted(vec!["Xã Yên Sơn", "Xã Bạch Xa", "Phường Mỹ Lâm", "Xã Ấn"]),
            ["Phường Mỹ Lâm", "Xã Ấn", "Xã Bạch Xa", "Xã Yên Sơn"]
        );
        // Case does not decide, and digits come first.
        assert_eq!(sorted(vec!["b", "A", "2"]), ["2", "A", "b"]);
    }

    #[test]
    fn people_by_given_name_then_family_name() {
        let mut people = vec!["Trần Văn Bình", "Đỗ An", "Lê Thị Bình", "Nguyễn Văn An", "Dương Thị Ánh", "Bình"];
        people.sort_by_cached_key(|p| super::person_key(p));
        // The An (Đỗ before Nguyễn: the family name decides only after the given name), Ánh,
        // then the Bình: a one-word name first, then Lê, then Trần.
        assert_eq!(people, ["Đỗ An", "Nguyễn Văn An", "Dương Thị Ánh", "Bình", "Lê Thị Bình", "Trần Văn Bình"]);
    }
}
