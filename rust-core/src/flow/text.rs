//! The languages the core speaks. Japanese first; every user-facing string has an English twin.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, uniffi::Enum)]
pub enum Language {
    #[default]
    Japanese,
    English,
}

impl Language {
    /// Picks the text for this language.
    pub fn pick(self, ja: &str, en: &str) -> String {
        match self {
            Language::Japanese => ja.to_owned(),
            Language::English => en.to_owned(),
        }
    }
}
