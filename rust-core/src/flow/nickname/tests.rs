//! The nickname rules' tests: case by case, then every code point and every emoji sequence that
//! Unicode lists, against an oracle built from other sources of the same Unicode data than the
//! rule's (`unicode-properties` for the general category, the `regex` crate's tables for
//! Default_Ignorable_Code_Point, the `emojis` crate's copy of emoji-test.txt for sequences).

use std::sync::OnceLock;

use unicode_segmentation::UnicodeSegmentation;

use super::*;

#[test]
fn rules() {
    for (input, expected) in [
        ("たろう", Ok("たろう")),
        ("  たろう　", Ok("たろう")),
        ("ＴＡＲＯ１", Ok("TARO1")),
        ("ﾀﾛｳ", Ok("タロウ")),
        ("パパ", Ok("パパ")),
        ("", Err(NicknameError::Empty)),
        ("　 　", Err(NicknameError::Empty)),
        ("あいうえおかきくけこさしすせそたちつてと", Ok("あいうえおかきくけこさしすせそたちつてと")),
        ("あいうえおかきくけこさしすせそたちつてとな", Err(NicknameError::TooLong)),
        ("たろう\u{202E}うろた", Err(NicknameError::InvisibleCharacters)),
        ("た\u{200B}ろう", Err(NicknameError::InvisibleCharacters)),
        ("たろう\n", Err(NicknameError::InvisibleCharacters)),
        ("た\u{0007}ろう", Err(NicknameError::InvisibleCharacters)),
        ("たろう\u{2028}はなこ", Err(NicknameError::InvisibleCharacters)),
        ("\u{3164}", Err(NicknameError::InvisibleCharacters)),
        ("た\u{FEFF}ろう", Err(NicknameError::InvisibleCharacters)),
        ("た\u{E0100}ろう", Err(NicknameError::InvisibleCharacters)),
    ] {
        assert_eq!(validate(input), expected.map(str::to_owned), "{input:?}");
    }
}

/// Format characters the old hand-written list missed: musical beam and tie controls and the
/// shorthand format controls. Each makes a name that looks exactly like another.
#[test]
fn invisible_is_what_unicode_says() {
    for c in ('\u{1D173}'..='\u{1D17A}').chain('\u{1BCA0}'..='\u{1BCA3}') {
        for name in [format!("た{c}ろう"), format!("たろう{c}"), c.to_string()] {
            assert_eq!(validate(&name), Err(NicknameError::InvisibleCharacters), "U+{:04X}", c as u32);
        }
    }
}

/// What phone keyboards send: VS16 after a text-default symbol, ZWJ families, skin tones,
/// keycaps, flags, tag flags; each kept exactly as typed, including the emoji whose base NFKC
/// would rewrite (™️, 🈁).
#[test]
fn emoji_as_keyboards_send_them() {
    for name in ["ママ❤️", "👨‍👩‍👧", "パパ👍🏽", "1️⃣ばん", "🇯🇵たろう", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "👩🏻‍💻はなこ", "🏳️‍🌈", "™️", "🈁", "❤︎"]
    {
        assert_eq!(validate(name), Ok(name.to_owned()), "{name}");
    }
    // Around emoji, text is still normalised: full-width letters, half-width kana.
    assert_eq!(validate("ＴＡＲＯ❤️ﾀﾛｳ"), Ok("TARO❤️タロウ".to_owned()));
}

/// A selector, joiner or tag that belongs to no emoji is as invisible as ever.
#[test]
fn broken_emoji_sequences_are_refused() {
    for name in [
        "あ\u{FE0F}",
        "A\u{FE0F}\u{20E3}",
        "\u{200D}👩",
        "👩\u{200D}",
        "た\u{200D}ろう",
        "👩\u{200D}\u{200D}👧",
        "🏴\u{E0067}\u{E0062}",
        "\u{E0067}\u{E0062}\u{E007F}",
        "あ\u{E0067}\u{E007F}",
        "👍🏽\u{FE0F}\u{FE0F}",
    ] {
        assert_eq!(validate(name), Err(NicknameError::InvisibleCharacters), "{name:?}");
    }
}

/// 20 characters as the user sees them: an emoji, however many code points, is one.
#[test]
fn length_is_what_the_user_sees() {
    let family = "👨‍👩‍👧";
    assert_eq!(validate(&family.repeat(20)), Ok(family.repeat(20)));
    assert_eq!(validate(&family.repeat(21)), Err(NicknameError::TooLong));
    assert_eq!(validate(&"🇯🇵".repeat(20)), Ok("🇯🇵".repeat(20)));
    // か + combining dakuten becomes が: one character, after NFKC.
    let ga = "か\u{3099}".repeat(20);
    assert_eq!(validate(&ga), Ok("が".repeat(20)));
    assert_eq!(validate(&format!("{}ママ❤️", "あ".repeat(17))).map(|n| n.graphemes(true).count()), Ok(20));
}

#[test]
fn the_length_error_says_how_characters_are_counted() {
    let ja = NicknameError::TooLong.message(Language::Japanese);
    let en = NicknameError::TooLong.message(Language::English);
    assert!(ja.contains("20文字以内") && ja.contains("絵文字"), "{ja}");
    assert!(en.contains("20 characters") && en.contains("emoji"), "{en}");
}

#[test]
fn every_error_is_explained_in_both_languages() {
    for e in [
        NicknameError::Empty,
        NicknameError::TooLong,
        NicknameError::InvisibleCharacters,
        NicknameError::Refused,
        NicknameError::TakenElsewhere,
    ] {
        assert!(e.message(Language::Japanese).ends_with('。'));
        assert!(e.message(Language::English).ends_with('.'));
    }
}

/// The oracle: Unicode's Default_Ignorable_Code_Point, general categories Cc, Cf, Co, Cs and Cn,
/// and the line and paragraph separators (Zl, Zp), read from sources the rule does not use.
fn oracle_invisible(c: char) -> bool {
    use unicode_properties::{GeneralCategory as G, UnicodeGeneralCategory};
    static IGNORABLE: OnceLock<regex::Regex> = OnceLock::new();
    let ignorable = IGNORABLE.get_or_init(|| regex::Regex::new(r"^\p{Default_Ignorable_Code_Point}$").unwrap());
    matches!(
        c.general_category(),
        G::Control
            | G::Format
            | G::PrivateUse
            | G::Surrogate
            | G::Unassigned
            | G::LineSeparator
            | G::ParagraphSeparator
    ) || ignorable.is_match(c.encode_utf8(&mut [0; 4]))
}

/// Every code point (surrogates cannot be in a Rust string), alone and between two kana: the
/// rule refuses it exactly when the oracle calls it (or what NFKC makes of it) invisible, and a
/// name it accepts is accepted again as it is.
#[test]
fn every_code_point_agrees_with_the_oracle() {
    use unicode_normalization::UnicodeNormalization;
    use unicode_properties::{GeneralCategory as G, UnicodeGeneralCategory};
    let mut assigned = 0;
    let mut disagree = Vec::new();
    for c in '\0'..=char::MAX {
        assigned += usize::from(c.general_category() != G::Unassigned);
        if is_invisible(c) != oracle_invisible(c) {
            disagree.push(format!("U+{:04X} alone", c as u32));
        }
        let name = format!("あ{c}い");
        let expected = name.nfkc().any(oracle_invisible);
        let got = validate(&name);
        if (got == Err(NicknameError::InvisibleCharacters)) != expected {
            disagree.push(format!("U+{:04X} in a name", c as u32));
        }
        // What is registered passes the rule again unchanged (it is checked again later).
        if let Ok(registered) = got {
            if validate(&registered).as_ref() != Ok(&registered) {
                disagree.push(format!("U+{:04X} not stable", c as u32));
            }
        }
    }
    assert!(assigned > 290_000, "the walk saw only {assigned} assigned code points");
    assert!(disagree.is_empty(), "{} disagreements: {:?}", disagree.len(), &disagree[..disagree.len().min(40)]);
}

/// Every emoji of emoji-test.txt (each skin tone too) is accepted as typed, alone and after a
/// name, and counts as one character; with its first code point replaced by a kana, what is
/// left is refused exactly when it starts with a code point the oracle calls invisible (a
/// joiner, selector or tag that no longer follows an emoji).
#[test]
fn every_emoji_sequence_unicode_lists() {
    let mut seen = 0;
    for emoji in emojis::iter().flat_map(|e| e.skin_tones().into_iter().flatten().chain([e])) {
        let s = emoji.as_str();
        seen += 1;
        assert_eq!(validate(s), Ok(s.to_owned()), "{s} {:?}", s.chars().map(|c| c as u32).collect::<Vec<_>>());
        assert_eq!(validate(&format!("ママ{s}")), Ok(format!("ママ{s}")), "{s}");
        assert_eq!(s.graphemes(true).count(), 1, "{s}");
        let rest: String = s.chars().skip(1).collect();
        if let Some(first) = rest.chars().next() {
            let refused = validate(&format!("あ{rest}")) == Err(NicknameError::InvisibleCharacters);
            assert_eq!(
                refused,
                oracle_invisible(first),
                "あ{rest} {:?}",
                rest.chars().map(|c| c as u32).collect::<Vec<_>>()
            );
        }
    }
    assert!(seen > 3_500, "only {seen} emoji");
}
