//! The nickname of the person who will talk to the smart speaker (step 12).
//!
//! The rules a real service needs, so the name shows up sensibly in Google Home and cannot
//! smuggle in text that displays differently from what it is:
//! - surrounding spaces are trimmed, and the text is NFKC-normalised (full-width Latin and digits,
//!   half-width kana and compatibility characters become their ordinary forms);
//! - 1 to 20 characters after that;
//! - no control characters and no invisible formatting characters (bidi overrides, zero-width
//!   spaces and joiners, BOM), which could make one name look like another;
//! - not only spaces (including the ideographic space).

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use super::text::Language;

/// The longest nickname, in characters after normalisation.
pub const MAX_CHARS: usize = 20;

/// Why a nickname cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, uniffi::Enum)]
pub enum NicknameError {
    Empty,
    TooLong,
    InvisibleCharacters,
    /// The service refused it by rules of its own.
    Refused,
    /// Another phone under the same CLUB Panasonic ID registered it (a family member, or this
    /// person's previous phone).
    TakenElsewhere,
}

impl NicknameError {
    pub fn message(self, lang: Language) -> String {
        match self {
            NicknameError::Empty => lang.pick("ニックネームを入力してください。", "Please enter a nickname."),
            NicknameError::TooLong => lang.pick(
                &format!("ニックネームは{MAX_CHARS}文字以内で入力してください。"),
                &format!("A nickname can be at most {MAX_CHARS} characters."),
            ),
            NicknameError::InvisibleCharacters => lang.pick(
                "ニックネームに使えない文字（制御文字や見えない文字）が含まれています。入力し直してください。",
                "The nickname contains characters that cannot be used (control or invisible characters). Please type it again.",
            ),
            NicknameError::Refused => lang.pick(
                "このニックネームは登録できませんでした。別のニックネームを入力してください。",
                "This nickname could not be registered. Please enter another one.",
            ),
            NicknameError::TakenElsewhere => lang.pick(
                "このニックネームは、同じCLUB Panasonic IDで別のスマートフォンから登録されています。機種変更などであなた自身の登録なら「このスマートフォンに移す」を、ご家族の登録なら別のニックネームを入力してください。",
                "This nickname is registered from another phone under the same CLUB Panasonic ID. If it is yours (a new phone, for example), tap 'Move to this phone'; if it is a family member's, enter another nickname.",
            ),
        }
    }
}

/// Whether `c` is a control or invisible formatting character (Unicode Cc / Cf and friends).
fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
            | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
            | '\u{2028}' | '\u{2029}' | '\u{2060}'..='\u{206F}' | '\u{2800}' | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFFB}' | '\u{E0000}'..='\u{E0FFF}')
}

/// The nickname as it will be registered, or why it cannot be.
pub fn validate(input: &str) -> Result<String, NicknameError> {
    let normalised: String = input.nfkc().collect();
    if normalised.chars().any(is_invisible) {
        return Err(NicknameError::InvisibleCharacters);
    }
    let trimmed = normalised.trim();
    if trimmed.is_empty() {
        return Err(NicknameError::Empty);
    }
    if trimmed.chars().count() > MAX_CHARS {
        return Err(NicknameError::TooLong);
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
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
            ("\u{2800}\u{2800}", Err(NicknameError::InvisibleCharacters)),
            ("\u{3164}", Err(NicknameError::InvisibleCharacters)),
        ] {
            assert_eq!(validate(input), expected.map(str::to_owned), "{input:?}");
        }
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
}
