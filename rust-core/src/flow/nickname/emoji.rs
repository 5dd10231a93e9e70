//! Emoji sequences as UTS #51 (Unicode Emoji, section 1.4) defines them, read from the start of
//! a text. A nickname may hold the invisible code points that build emoji — variation selectors,
//! the zero width joiner, tags — only where this grammar puts them:
//!
//! ```text
//! emoji_sequence      := emoji_core_sequence | emoji_zwj_sequence | emoji_tag_sequence
//! emoji_core_sequence := emoji_character | emoji_presentation_sequence | emoji_keycap_sequence
//!                      | emoji_modifier_sequence | emoji_flag_sequence
//! emoji_presentation_sequence := emoji_character FE0F     (and the text style, FE0E)
//! emoji_keycap_sequence       := [0-9#*] FE0F 20E3
//! emoji_modifier_sequence     := Emoji_Modifier_Base Emoji_Modifier
//! emoji_flag_sequence         := Regional_Indicator Regional_Indicator
//! emoji_zwj_sequence  := emoji_zwj_element (200D emoji_zwj_element)+
//! emoji_zwj_element   := emoji_core_sequence | emoji_tag_sequence
//! emoji_tag_sequence  := tag_base [E0020-E007E]+ E007F
//! tag_base            := emoji_character | emoji_modifier_sequence | emoji_presentation_sequence
//! ```
//!
//! The character properties come from `icu_properties` (Emoji, Emoji_Modifier,
//! Emoji_Modifier_Base, Regional_Indicator, Emoji_Presentation).

use icu_properties::props::{
    BinaryProperty, Emoji, EmojiModifier, EmojiModifierBase, EmojiPresentation, RegionalIndicator,
};
use icu_properties::CodePointSetData;

const ZWJ: char = '\u{200D}';
const EMOJI_STYLE: char = '\u{FE0F}';
const TEXT_STYLE: char = '\u{FE0E}';
const KEYCAP: char = '\u{20E3}';
const TAG_END: char = '\u{E007F}';

/// Which kind of emoji_core_sequence starts a text, and how many code points it takes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Core {
    Character,
    Presentation,
    /// An emoji character in text style (FE0E): a unit of its own, never joined or tagged.
    TextStyle,
    Keycap,
    Modifier,
    Flag,
}

impl Core {
    fn len(self) -> usize {
        match self {
            Core::Character => 1,
            Core::Keycap => 3,
            Core::Presentation | Core::TextStyle | Core::Modifier | Core::Flag => 2,
        }
    }
}

/// How many code points the emoji sequence at the start of `text` takes (0: none starts there).
pub(super) fn sequence_len(text: &[char]) -> usize {
    // Text style stands alone: it is no zwj element and no tag base.
    if core(text) == Some(Core::TextStyle) {
        return Core::TextStyle.len();
    }
    let mut len = element_len(text);
    // Further elements joined by ZWJ; a joiner with no emoji after it is not part of the sequence.
    while len > 0 && text.get(len) == Some(&ZWJ) {
        match element_len(&text[len + 1..]) {
            0 => break,
            next => len += 1 + next,
        }
    }
    len
}

/// An emoji_zwj_element: a core sequence, or a tag sequence (whose base is one). 0: none.
fn element_len(text: &[char]) -> usize {
    match core(text) {
        None | Some(Core::TextStyle) => 0,
        Some(base @ (Core::Character | Core::Presentation | Core::Modifier)) => {
            base.len() + tag_spec_len(&text[base.len()..])
        }
        Some(other) => other.len(),
    }
}

fn has<P: BinaryProperty>(c: char) -> bool {
    CodePointSetData::new::<P>().contains(c)
}

fn core(text: &[char]) -> Option<Core> {
    let (&first, rest) = text.split_first()?;
    if has::<RegionalIndicator>(first) && rest.first().is_some_and(|&c| has::<RegionalIndicator>(c)) {
        return Some(Core::Flag);
    }
    if !has::<Emoji>(first) {
        return None;
    }
    Some(match rest {
        [EMOJI_STYLE, KEYCAP, ..] if matches!(first, '0'..='9' | '#' | '*') => Core::Keycap,
        [EMOJI_STYLE, ..] => Core::Presentation,
        [TEXT_STYLE, ..] => Core::TextStyle,
        [m, ..] if has::<EmojiModifier>(*m) && has::<EmojiModifierBase>(first) => Core::Modifier,
        _ => Core::Character,
    })
}

/// tag_spec tag_end after a tag base: at least one tag character, then CANCEL TAG (0: none).
fn tag_spec_len(text: &[char]) -> usize {
    let spec = text.iter().take_while(|&&c| ('\u{E0020}'..='\u{E007E}').contains(&c)).count();
    if spec > 0 && text.get(spec) == Some(&TAG_END) {
        spec + 1
    } else {
        0
    }
}

/// Whether an emoji sequence is kept as typed rather than NFKC-normalised: any sequence of more
/// than one code point (NFKC would separate ™ from its FE0F, turning "™️" into "TM" and a stray
/// selector), and a single emoji that shows as emoji by default (NFKC turns 🈁 into 「ココ」).
pub(super) fn kept_as_typed(sequence: &[char]) -> bool {
    match sequence {
        [single] => has::<EmojiPresentation>(*single),
        _ => true,
    }
}
