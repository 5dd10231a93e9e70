//! The AiSEG2's devices and the user's choice of which to control by voice (step 14).
//!
//! This module owns the device list as the flow carries it (`Devices`: shared, never copied by a
//! transition) and the selection made from it.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::text::Language;

/// Kinds of device AiSEG2 controls (ECHONET Lite classes), in the order the app lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, uniffi::Enum)]
pub enum Category {
    AirConditioner,
    AirPurifier,
    Shutter,
    Light,
    RangeHood,
    VentilationFan,
    ElectricWindow,
    ElectricLock,
    WaterHeater,
    Other,
}

impl Category {
    /// The cloud's name for the category (`docs/cloud-api.md`).
    pub fn from_wire(name: &str) -> Category {
        match name {
            "air_conditioner" => Category::AirConditioner,
            "air_purifier" => Category::AirPurifier,
            "shutter" => Category::Shutter,
            "light" => Category::Light,
            "range_hood" => Category::RangeHood,
            "ventilation_fan" => Category::VentilationFan,
            "electric_window" => Category::ElectricWindow,
            "electric_lock" => Category::ElectricLock,
            "water_heater" => Category::WaterHeater,
            _ => Category::Other,
        }
    }

    pub fn label(self, lang: Language) -> String {
        let (ja, en) = match self {
            Category::AirConditioner => ("エアコン", "Air conditioners"),
            Category::AirPurifier => ("空気清浄機", "Air purifiers"),
            Category::Shutter => ("シャッター", "Shutters"),
            Category::Light => ("照明", "Lights"),
            Category::RangeHood => ("レンジフード", "Range hoods"),
            Category::VentilationFan => ("換気扇", "Ventilation fans"),
            Category::ElectricWindow => ("電動窓", "Electric windows"),
            Category::ElectricLock => ("電気錠", "Electric locks"),
            Category::WaterHeater => ("給湯器", "Water heaters"),
            Category::Other => ("その他", "Other"),
        };
        lang.pick(ja, en)
    }
}

/// A device as the AiSEG2 reports it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, uniffi::Record)]
pub struct Device {
    pub id: String,
    pub name: String,
    pub category: Category,
}

/// The AiSEG2's device list as it was read, shared between states: up to 5,000 devices, read
/// once and then carried unchanged by every transition until the next read. Cloning it is one
/// reference count, so a keystroke's `update` does not copy the list; comparing two states
/// that share it stops at the pointer. A new list (read again, changed) is a new allocation:
/// that is how the store knows, without comparing them, that it has a list to write.
#[derive(Clone, Debug, Default, Eq)]
pub struct Devices(Arc<Vec<Device>>);

impl Devices {
    /// Whether both are the very same list (not merely equal ones): the store's "already saved?".
    pub fn same_list(&self, other: &Devices) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl PartialEq for Devices {
    fn eq(&self, other: &Devices) -> bool {
        self.same_list(other) || self.0 == other.0
    }
}

/// By content, as equality is (the same list is also an equal one).
impl std::hash::Hash for Devices {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl std::ops::Deref for Devices {
    type Target = [Device];
    fn deref(&self) -> &[Device] {
        &self.0
    }
}

impl<'a> IntoIterator for &'a Devices {
    type Item = &'a Device;
    type IntoIter = std::slice::Iter<'a, Device>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl From<Vec<Device>> for Devices {
    fn from(devices: Vec<Device>) -> Devices {
        Devices(Arc::new(devices))
    }
}

impl FromIterator<Device> for Devices {
    fn from_iter<I: IntoIterator<Item = Device>>(devices: I) -> Devices {
        Devices(Arc::new(devices.into_iter().collect()))
    }
}

/// The devices to choose from and the ids chosen. Ids are kept sorted so the saved state and the
/// registration are the same whatever order the taps came in.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Selection {
    pub devices: Devices,
    pub chosen: BTreeSet<String>,
}

impl Selection {
    /// Devices grouped by category, in the app's order; devices keep the AiSEG2's order.
    pub fn groups(&self) -> Vec<(Category, Vec<&Device>)> {
        let mut groups: Vec<(Category, Vec<&Device>)> = Vec::new();
        let mut devices: Vec<&Device> = self.devices.iter().collect();
        devices.sort_by_key(|d| d.category); // stable: keeps the AiSEG2's order inside a category
        for device in devices {
            match groups.last_mut() {
                Some((category, list)) if *category == device.category => list.push(device),
                _ => groups.push((device.category, vec![device])),
            }
        }
        groups
    }

    pub fn toggle(&mut self, id: &str) {
        if !self.chosen.remove(id) && self.devices.iter().any(|d| d.id == id) {
            self.chosen.insert(id.to_owned());
        }
    }

    /// 「全て」: chooses every device of the category, or none when all were chosen.
    pub fn toggle_all(&mut self, category: Category) {
        let ids: Vec<&String> = self.devices.iter().filter(|d| d.category == category).map(|d| &d.id).collect();
        if ids.iter().all(|id| self.chosen.contains(*id)) {
            for id in ids {
                self.chosen.remove(id);
            }
        } else {
            self.chosen.extend(ids.into_iter().cloned());
        }
    }

    pub fn all_chosen(&self, category: Category) -> bool {
        self.devices.iter().filter(|d| d.category == category).all(|d| self.chosen.contains(&d.id))
    }

    /// A fresh list from the AiSEG2: choices of devices that still exist are kept.
    pub fn refreshed(&self, devices: Vec<Device>) -> Selection {
        let chosen = devices.iter().filter(|d| self.chosen.contains(&d.id)).map(|d| d.id.clone()).collect();
        Selection { devices: devices.into(), chosen }
    }

    /// The chosen devices, in list order.
    pub fn chosen_devices(&self) -> Vec<&Device> {
        self.groups().into_iter().flat_map(|(_, list)| list).filter(|d| self.chosen.contains(&d.id)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(id: &str, name: &str, category: Category) -> Device {
        Device { id: id.into(), name: name.into(), category }
    }

    #[test]
    fn choosing_and_refreshing() {
        let mut s = Selection {
            devices: vec![
                device("li-1", "照明", Category::Light),
                device("ac-1", "リビングのエアコン", Category::AirConditioner),
                device("ac-2", "エアコンA", Category::AirConditioner),
            ]
            .into(),
            ..Selection::default()
        };
        let names = |s: &Selection| s.groups().iter().map(|(c, l)| (*c, l.len())).collect::<Vec<_>>();
        assert_eq!(names(&s), vec![(Category::AirConditioner, 2), (Category::Light, 1)]);

        s.toggle_all(Category::AirConditioner);
        assert!(s.all_chosen(Category::AirConditioner));
        s.toggle("ac-2");
        assert!(!s.all_chosen(Category::AirConditioner));
        s.toggle_all(Category::AirConditioner); // not all chosen → choose all
        s.toggle_all(Category::AirConditioner); // all chosen → none
        assert!(s.chosen.is_empty());
        s.toggle("nope");
        assert!(s.chosen.is_empty(), "an unknown id is never chosen");

        s.toggle("ac-1");
        s.toggle("li-1");
        let s = s.refreshed(vec![
            device("ac-1", "リビングのエアコン", Category::AirConditioner),
            device("sh-1", "シャッター", Category::Shutter),
        ]);
        assert_eq!(s.chosen.iter().collect::<Vec<_>>(), ["ac-1"], "a removed device is no longer chosen");
    }
}

#[cfg(test)]
mod sharing_tests {
    use super::*;
    use crate::flow::{update, Action, Event, Screen, SpeakerDraft, State};

    /// A keystroke or a toggle carries the list over without copying it, whatever its length:
    /// the next state holds the very same list (the store relies on this to skip writing it).
    #[test]
    fn transitions_share_the_device_list_instead_of_copying_it() {
        let devices: Devices = (0..5000)
            .map(|i| Device { id: format!("d{i}"), name: format!("部屋{i}の照明"), category: Category::Light })
            .collect();
        let draft = SpeakerDraft {
            nickname: "たろ".into(),
            selection: Selection { devices: devices.clone(), ..Selection::default() },
            ..SpeakerDraft::default()
        };
        let typing = State { screen: Screen::Nickname, speaker: Some(draft), ..State::default() };
        let (typed, _) = update(&typing, Event::Tap(Action::EditNickname { text: "たろう".into() }));
        let list = |s: &State| s.speaker.as_ref().map(|d| d.selection.devices.clone()).unwrap();
        assert_eq!(typed.speaker.as_ref().map(|d| d.nickname.as_str()), Some("たろう"));
        assert!(list(&typed).same_list(&devices), "the keystroke copied the device list");

        let choosing = State { screen: Screen::DeviceSelection, ..typed };
        let (chosen, _) = update(&choosing, Event::Tap(Action::ToggleDevice { id: "d7".into() }));
        assert!(chosen.speaker.as_ref().is_some_and(|d| d.selection.chosen.contains("d7")));
        assert!(list(&chosen).same_list(&devices), "the toggle copied the device list");

        // Equal lists that are not the same one are still equal states.
        let copy: Devices = devices.to_vec().into();
        assert!(!copy.same_list(&devices));
        assert_eq!(copy, devices);
    }
}
