//! The nickname of the person who will talk to the smart speaker (step 12).
//!
//! The rules a real service needs, so the name shows up sensibly in Google Home and cannot
//! smuggle in text that displays differently from what it is:
//! - surrounding spaces are trimmed, and the text is NFKC-normalised (full-width Latin and digits,
//!   half-width kana and compatibility characters become their ordinary forms) — except emoji,
//!   which are kept exactly as the keyboard sent them (`emoji`);
//! - 1 to 20 characters as the user sees them (extended grapheme clusters: 👨‍👩‍👧 is one);
//! - nothing invisible, as Unicode defines it: Default_Ignorable_Code_Point, the general
//!   categories Cc, Cf, Co, Cs and unassigned code points, and line or paragraph separators
//!   (Zl, Zp), which break the name in two. The selectors, joiners and tags that build an emoji
//!   are default-ignorable too, so they are allowed only inside an emoji sequence (UTS #51);
//! - not only spaces (including the ideographic space).

mod emoji;

use icu_properties::props::{DefaultIgnorableCodePoint, GeneralCategory, GeneralCategoryGroup};
use icu_properties::{CodePointMapData, CodePointSetData};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;

use super::text::Language;

/// The longest nickname, in characters as the user sees them (extended grapheme clusters),
/// after normalisation.
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
                &format!("ニックネームは{MAX_CHARS}文字以内で入力してください。文字数は見たままの数で、絵文字は組み合わせたもの（👨‍👩‍👧など）も1文字と数えます。"),
                &format!("A nickname can be at most {MAX_CHARS} characters, counted as they look: an emoji is one, even a combined one such as 👨‍👩‍👧."),
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

/// Whether Unicode calls `c` invisible (or a line break) outside an emoji sequence.
fn is_invisible(c: char) -> bool {
    let category = CodePointMapData::<GeneralCategory>::new().get(c);
    GeneralCategoryGroup::Other.contains(category)
        || matches!(category, GeneralCategory::LineSeparator | GeneralCategory::ParagraphSeparator)
        || CodePointSetData::new::<DefaultIgnorableCodePoint>().contains(c)
}

/// A text in pieces: each emoji sequence whole, every other code point on its own.
fn pieces(text: &[char]) -> impl Iterator<Item = (bool, &[char])> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let emoji = emoji::sequence_len(rest);
        let (piece, after) = rest.split_at(emoji.max(1));
        rest = after;
        Some((emoji > 0, piece))
    })
}

/// NFKC, except for emoji sequences, which are kept as typed: NFKC would turn "™️" into "TM" and
/// a selector that no longer follows an emoji.
fn normalise(input: &str) -> String {
    let chars: Vec<char> = input.chars().collect();
    let (mut out, mut text) = (String::new(), String::new());
    for (is_emoji, piece) in pieces(&chars) {
        if is_emoji && emoji::kept_as_typed(piece) {
            out.extend(text.nfkc());
            text.clear();
            out.extend(piece);
        } else {
            text.extend(piece);
        }
    }
    out.extend(text.nfkc());
    out
}

/// The nickname as it will be registered, or why it cannot be.
pub fn validate(input: &str) -> Result<String, NicknameError> {
    let normalised = normalise(input);
    // Checked on what will be registered, so an invisible code point NFKC produced is caught too.
    let chars: Vec<char> = normalised.chars().collect();
    if pieces(&chars).any(|(is_emoji, piece)| !is_emoji && is_invisible(piece[0])) {
        return Err(NicknameError::InvisibleCharacters);
    }
    let trimmed = normalised.trim();
    if trimmed.is_empty() {
        return Err(NicknameError::Empty);
    }
    if trimmed.graphemes(true).count() > MAX_CHARS {
        return Err(NicknameError::TooLong);
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests;
