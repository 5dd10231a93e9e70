//! Voice names (step 17): which device names will not work well by voice, what to call them
//! instead, and example utterances built from the chosen devices' own names.
//!
//! Names are compared after normalising Japanese text: NFKC (full-width Latin and digits,
//! half-width kana), hiragana folded into katakana, spaces removed — so 「しょうめい」 and
//! 「ショウメイ」, 「ｴｱｺﾝ」 and 「エアコン」 are the same name to the check, as they are to the ear.

use std::collections::BTreeMap;

use hashbrown::HashMap;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use super::devices::{Category, Device};
use super::text::Language;

/// Why a device name may not work by voice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, uniffi::Enum)]
pub enum NameWarning {
    /// 「照明1」: ends in a digit.
    EndsWithDigit,
    /// 「エアコンA」: ends in a Latin letter.
    EndsWithLatin,
    /// 「照明★」: ends in a symbol.
    EndsWithSymbol,
    /// Several chosen devices have this same name.
    SharedName,
    /// Just the category's word (「照明」) while several devices of that category are chosen.
    GenericName,
    /// Longer than the 60 characters Google keeps of a name.
    TooLong,
}

/// The longest name Google Home keeps (SYNC cuts names there).
pub const MAX_NAME_CHARS: usize = 60;

/// The room a name already says: 「子供部屋の照明」 → 「子供部屋」.
pub fn room_in_name(name: &str) -> Option<String> {
    let (room, rest) = name.split_once('の')?;
    (!room.trim().is_empty() && !rest.trim().is_empty()).then(|| room.trim().to_owned())
}

/// What a person says to name the device: its name, with the room in front when the name does
/// not already say it (Google resolves 「寝室の照明」 through the room hint).
pub fn spoken_name(device: &Device, rooms: &BTreeMap<String, String>) -> String {
    match rooms.get(&device.id) {
        Some(room) if room_in_name(&device.name).is_none() => format!("{room}の{}", device.name),
        _ => device.name.clone(),
    }
}

/// The form names are compared in.
pub fn normalise(name: &str) -> String {
    name.nfkc()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            // Hiragana → katakana: the same sounds, so the same name to a listener.
            '\u{3041}'..='\u{3096}' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
            c => c,
        })
        .collect()
}

/// `normalise`, remembered per thread: a device screen asks again for the same names on every
/// tap, and NFKC over thousands of names was most of the screen's cost. A pure memo (the same
/// name always gives the same form), emptied when it grows past `REMEMBERED`, so the flow stays
/// a pure function of its state.
fn normalised(name: &str) -> std::rc::Rc<str> {
    const REMEMBERED: usize = 50_000;
    thread_local! {
        static NORMAL: std::cell::RefCell<HashMap<Box<str>, std::rc::Rc<str>>> = Default::default();
    }
    NORMAL.with(|memo| {
        let mut memo = memo.borrow_mut();
        if let Some(found) = memo.get(name) {
            return found.clone();
        }
        if memo.len() >= REMEMBERED {
            memo.clear();
        }
        let form: std::rc::Rc<str> = normalise(name).into();
        memo.insert(name.into(), form.clone());
        form
    })
}

fn ending(normal: &str) -> Option<NameWarning> {
    let last = normal.chars().last()?;
    if last.is_ascii_digit() || last.is_numeric() {
        Some(NameWarning::EndsWithDigit)
    } else if last.is_ascii_alphabetic() {
        Some(NameWarning::EndsWithLatin)
    } else if !last.is_alphanumeric() {
        Some(NameWarning::EndsWithSymbol)
    } else {
        None
    }
}

/// Warnings for each chosen device, by id; devices without a warning are left out. Devices in
/// different rooms may share a name: the room tells them apart (「寝室の照明」「居間の照明」).
pub fn check<'a>(chosen: &[&'a Device], rooms: &BTreeMap<String, String>) -> HashMap<&'a str, Vec<NameWarning>> {
    // Each device's room and name in the compared form, once.
    let forms: Vec<(std::rc::Rc<str>, std::rc::Rc<str>)> = chosen
        .iter()
        .map(|d| (rooms.get(&d.id).map(|r| normalised(r)).unwrap_or_else(|| "".into()), normalised(&d.name)))
        .collect();
    let mut generic: HashMap<Category, std::rc::Rc<str>> = HashMap::new();
    let mut same_name: HashMap<(&str, &str), usize> = HashMap::new();
    let mut per_category: HashMap<(Category, &str), usize> = HashMap::new();
    for (d, (room, name)) in chosen.iter().zip(&forms) {
        *same_name.entry((room, name)).or_default() += 1;
        *per_category.entry((d.category, room)).or_default() += 1;
    }
    let mut out = HashMap::new();
    for (d, (room, name)) in chosen.iter().zip(&forms) {
        let mut warnings: Vec<NameWarning> = ending(name).into_iter().collect();
        if same_name[&(&**room, &**name)] > 1 {
            warnings.push(NameWarning::SharedName);
        }
        let category_word =
            generic.entry(d.category).or_insert_with(|| normalised(&d.category.label(Language::Japanese)));
        if **name == **category_word && per_category[&(d.category, &**room)] > 1 {
            warnings.push(NameWarning::GenericName);
        }
        if d.name.chars().count() > MAX_NAME_CHARS {
            warnings.push(NameWarning::TooLong);
        }
        if !warnings.is_empty() {
            out.insert(d.id.as_str(), warnings);
        }
    }
    out
}

/// The name without the ending a listener stumbles on (「エアコンA」 → 「エアコン」).
fn stem(name: &str) -> String {
    let normal: String = name.nfkc().collect();
    let cut = normal.trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c.is_numeric() || !c.is_alphanumeric());
    if cut.is_empty() {
        normal
    } else {
        cut.to_owned()
    }
}

fn spelled(digit: char) -> Option<&'static str> {
    ["ぜろ", "いち", "に", "さん", "よん", "ご", "ろく", "なな", "はち", "きゅう"]
        .get(digit.to_digit(10)? as usize)
        .copied()
}

/// What to tell the user about a name, with a better one to give the device on the AiSEG2.
///
/// Remembered, like the compared forms: the device screen shows it on every warned device at
/// each tap, and making it (both languages' texts, the name normalised) cost more than the rest
/// of the button.
pub fn advice(device: &Device, warning: NameWarning, room: Option<&str>, lang: Language) -> String {
    const REMEMBERED: usize = 20_000;
    thread_local! {
        static ADVICE: std::cell::RefCell<HashMap<AdviceKey, String>> = Default::default();
    }
    // Looked up by borrowed strings: a hit (every tap but the first) copies nothing but the text.
    let asked = AskedAdvice(&device.name, device.category, warning, room, lang);
    if let Some(found) = ADVICE.with(|memo| memo.borrow().get(&asked).cloned()) {
        return found;
    }
    let made = advice_made(device, warning, room, lang);
    ADVICE.with(|memo| {
        let mut memo = memo.borrow_mut();
        if memo.len() >= REMEMBERED {
            memo.clear();
        }
        memo.insert(
            AdviceKey(device.name.clone(), device.category, warning, room.map(str::to_owned), lang),
            made.clone(),
        );
    });
    made
}

/// What advice is remembered under: the name, category, warning, room and language.
#[derive(PartialEq, Eq, Hash)]
struct AdviceKey(String, Category, NameWarning, Option<String>, Language);

/// The same, borrowed; hashes as `AdviceKey` does (a `String` hashes as its `str`, and the
/// derived `Hash` of both hashes the fields in order).
#[derive(Hash)]
struct AskedAdvice<'a>(&'a str, Category, NameWarning, Option<&'a str>, Language);

impl hashbrown::Equivalent<AdviceKey> for AskedAdvice<'_> {
    fn equivalent(&self, key: &AdviceKey) -> bool {
        self.0 == key.0 && self.1 == key.1 && self.2 == key.2 && self.3 == key.3.as_deref() && self.4 == key.4
    }
}

fn advice_made(device: &Device, warning: NameWarning, room: Option<&str>, lang: Language) -> String {
    let name = &device.name;
    let base = stem(name);
    // Without a known room the suggestion names the slot, not a made-up room that may well be
    // another device's name already (「子供部屋の照明」).
    let room = match room {
        Some(room) => format!("{room}の{base}"),
        None => lang.pick(&format!("（部屋名）の{base}"), &format!("(room)の{base}")),
    };
    match warning {
        NameWarning::EndsWithDigit => {
            let normal: String = name.nfkc().collect();
            let digits: Vec<char> = normal.chars().rev().take_while(|c| c.is_ascii_digit()).collect();
            let spelled_out = match digits.as_slice() {
                [d] => spelled(*d).map(|s| format!("「{base}{s}」や")).unwrap_or_default(),
                _ => String::new(),
            };
            lang.pick(
                &format!("「{name}」は名前の最後が数字のため、音声で正しく操作できない場合があります。AiSEG2で{spelled_out}「{room}」のような名前に変えることをおすすめします。"),
                &format!("\"{name}\" ends in a digit and may not work by voice. Consider renaming it on the AiSEG2 with a room name, like \"{room}\"."),
            )
        }
        NameWarning::EndsWithLatin | NameWarning::EndsWithSymbol => lang.pick(
            &format!("「{name}」は名前の最後が{}のため、音声で正しく操作できない場合があります。AiSEG2で「{room}」のように部屋名を付けた名前に変えることをおすすめします。",
                if warning == NameWarning::EndsWithLatin { "アルファベット" } else { "記号" }),
            &format!("\"{name}\" ends in a {} and may not work by voice. Consider renaming it on the AiSEG2 with a room name, like \"{room}\".",
                if warning == NameWarning::EndsWithLatin { "Latin letter" } else { "symbol" }),
        ),
        NameWarning::SharedName => lang.pick(
            &format!("「{name}」という名前の機器が複数あるため、音声ではどの機器か区別できません。AiSEG2で「{room}」のように固有の名前を付けてください。"),
            &format!("Several devices are called \"{name}\", so voice cannot tell them apart. Give each a unique name on the AiSEG2, like \"{room}\"."),
        ),
        NameWarning::GenericName => lang.pick(
            &format!("{}を複数登録する場合、「{name}」という名前では正しく動作しない場合があります。「{room}」のように部屋名を付けてください。", device.category.label(Language::Japanese)),
            &format!("With several {} chosen, a device called \"{name}\" may not work. Add the room, like \"{room}\".", device.category.label(Language::English).to_lowercase()),
        ),
        NameWarning::TooLong => lang.pick(
            &format!("「{name}」は{MAX_NAME_CHARS}文字を超えるため、Google Homeでは途中で切られます。AiSEG2で短い名前に変えてください。"),
            &format!("\"{name}\" is longer than {MAX_NAME_CHARS} characters; Google Home cuts it. Give it a shorter name on the AiSEG2."),
        ),
    }
}

/// The seed's cautions (step 17).
pub fn cautions(lang: Language) -> Vec<String> {
    vec![
        lang.pick(
            "※「照明1」や「エアコンA」のように、機器名称の最後に、数字、アルファベット、記号などがあると正しく動作しない場合があります。",
            "Note: names ending in a digit, letter or symbol, like \"照明1\" or \"エアコンA\", may not work correctly.",
        ),
        lang.pick(
            "※複数の照明機器を利用機器に登録している場合、機器名称を「照明」とすると、正しく動作しない場合があります。",
            "Note: with several lights registered, a light called just \"照明\" may not work correctly.",
        ),
        lang.pick(
            "※部屋名を付加するなど、固有の名称を付けるようにしてください。",
            "Give each device a unique name, for example by adding the room.",
        ),
    ]
}

/// What to say for a device of this category (the seed's templates).
fn templates(category: Category) -> &'static [&'static str] {
    match category {
        Category::Light => &["{}をつけて", "{}を消して"],
        Category::AirConditioner => &["{}を冷房にして", "{}を25℃にして", "{}の設定モードは？"],
        Category::Shutter | Category::ElectricWindow => &["{}を開けて", "{}を閉めて"],
        Category::ElectricLock => &["{}をロックして"],
        Category::AirPurifier
        | Category::RangeHood
        | Category::VentilationFan
        | Category::WaterHeater
        | Category::Other => &["{}をつけて"],
    }
}

/// Example utterances, per category: 【照明】 then 「OK Google、子供部屋の照明をつけて」 …, using the
/// first chosen device of each category whose name works by voice (or the first one at all).
pub fn examples(chosen: &[&Device], rooms: &BTreeMap<String, String>, lang: Language) -> Vec<(String, Vec<String>)> {
    let warned = check(chosen, rooms);
    let mut by_category: Vec<(Category, &Device)> = Vec::new();
    for d in chosen {
        match by_category.iter_mut().find(|(c, _)| *c == d.category) {
            Some((_, pick)) if warned.contains_key(pick.id.as_str()) && !warned.contains_key(d.id.as_str()) => {
                *pick = d
            }
            Some(_) => {}
            None => by_category.push((d.category, d)),
        }
    }
    by_category
        .into_iter()
        .map(|(category, device)| {
            let lines = templates(category)
                .iter()
                .map(|t| format!("「OK Google、{}」", t.replace("{}", &spoken_name(device, rooms))))
                .collect();
            (
                lang.pick(
                    &format!("【{}】", category.label(Language::Japanese)),
                    &format!("[{}]", category.label(Language::English)),
                ),
                lines,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(id: &str, name: &str, category: Category) -> Device {
        Device { id: id.into(), name: name.into(), category }
    }

    #[test]
    fn warnings_for_names() {
        let devices = [
            d("1", "照明1", Category::Light),
            d("2", "エアコンA", Category::AirConditioner),
            d("3", "エアコンＢ", Category::AirConditioner),
            d("4", "照明", Category::Light),
            d("5", "しょうめい", Category::Light),
            d("6", "子供部屋の照明", Category::Light),
            d("7", "照明★", Category::Light),
            d("8", "ﾘﾋﾞﾝｸﾞのエアコン", Category::AirConditioner),
            d("9", "照明１２", Category::Light),
        ];
        let chosen: Vec<&Device> = devices.iter().collect();
        let got = check(&chosen, &BTreeMap::new());
        use NameWarning::*;
        for (id, expected) in [
            ("1", vec![EndsWithDigit]),
            ("2", vec![EndsWithLatin]),
            ("3", vec![EndsWithLatin]),
            ("4", vec![GenericName]),
            ("5", vec![]), // 「しょうめい」 is not 「照明」 in writing; the recogniser will say so
            ("6", vec![]),
            ("7", vec![EndsWithSymbol]),
            ("8", vec![]),
            ("9", vec![EndsWithDigit]),
        ] {
            assert_eq!(got.get(id).cloned().unwrap_or_default(), expected, "device {id}");
        }

        let twins = [d("a", "照明", Category::Light), d("b", "照明", Category::Light)];
        let got = check(&twins.iter().collect::<Vec<_>>(), &BTreeMap::new());
        assert_eq!(got["a"], vec![SharedName, GenericName]);

        let kana =
            [d("a", "リビングのシャッター", Category::Shutter), d("b", "りびんぐのしゃったー", Category::Shutter)];
        assert_eq!(
            check(&kana.iter().collect::<Vec<_>>(), &BTreeMap::new())["b"],
            vec![SharedName],
            "kana forms are folded"
        );

        let alone = [d("a", "照明", Category::Light)];
        assert!(check(&alone.iter().collect::<Vec<_>>(), &BTreeMap::new()).is_empty(), "one light may be called 照明");

        // Two 「照明」 in different rooms are told apart by the room.
        let rooms: BTreeMap<String, String> = [("a".into(), "寝室".into()), ("b".into(), "居間".into())].into();
        assert!(check(&twins.iter().collect::<Vec<_>>(), &rooms).is_empty());

        let long = [d("l", &"照".repeat(61), Category::Light)];
        assert_eq!(check(&long.iter().collect::<Vec<_>>(), &BTreeMap::new())["l"], vec![TooLong]);
    }

    #[test]
    fn advice_suggests_a_better_name() {
        let light = d("1", "照明1", Category::Light);
        let text = advice(&light, NameWarning::EndsWithDigit, None, Language::Japanese);
        assert!(text.contains("「照明いち」") && text.contains("「（部屋名）の照明」"), "{text}");
        let ac = d("2", "エアコンＡ", Category::AirConditioner);
        assert!(advice(&ac, NameWarning::EndsWithLatin, None, Language::Japanese).contains("「（部屋名）のエアコン」"));
        assert!(
            advice(&ac, NameWarning::EndsWithLatin, Some("寝室"), Language::Japanese).contains("「寝室のエアコン」"),
            "the room is used"
        );
        assert!(advice(&ac, NameWarning::EndsWithLatin, None, Language::English).contains("Latin letter"));
        assert_eq!(room_in_name("子供部屋の照明").as_deref(), Some("子供部屋"));
        assert_eq!(room_in_name("照明"), None);
    }

    #[test]
    fn examples_use_the_devices_own_names() {
        let devices = [
            d("1", "照明1", Category::Light),
            d("2", "子供部屋の照明", Category::Light),
            d("3", "リビングのエアコン", Category::AirConditioner),
            d("4", "キッチンのレンジフード", Category::RangeHood),
        ];
        let got = examples(&devices.iter().collect::<Vec<_>>(), &BTreeMap::new(), Language::Japanese);
        assert_eq!(
            got[0],
            (
                "【照明】".to_owned(),
                vec![
                    "「OK Google、子供部屋の照明をつけて」".to_owned(),
                    "「OK Google、子供部屋の照明を消して」".to_owned()
                ]
            )
        );
        assert_eq!(got[1].1[0], "「OK Google、リビングのエアコンを冷房にして」");
        assert_eq!(got[1].1[2], "「OK Google、リビングのエアコンの設定モードは？」");
        assert_eq!(got[2].1, vec!["「OK Google、キッチンのレンジフードをつけて」"]);
    }
}
