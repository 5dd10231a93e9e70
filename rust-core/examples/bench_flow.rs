//! Bench command for the pure flow with a large AiSEG2: how long a tap on the device-selection
//! screen takes (transition + the view the shell draws + the saved-state JSON), with hundreds of
//! devices. Run: `cargo run --release -p smarthems --example bench_flow [DEVICES]`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use smarthems::flow::{
    update, view, Action, Category, Device, Event, Language, Screen, Selection, SpeakerDraft, State,
};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(500);
    let categories =
        [Category::AirConditioner, Category::Light, Category::Shutter, Category::AirPurifier, Category::RangeHood];
    let devices: Vec<Device> = (0..n)
        .map(|i| Device {
            id: format!("d{i}"),
            name: format!("部屋{}の機器", i / 5),
            category: categories[i % categories.len()],
        })
        .collect();
    let mut state = State {
        screen: Screen::DeviceSelection,
        speaker: Some(SpeakerDraft {
            nickname: "たろう".into(),
            selection: Selection { devices, ..Selection::default() },
            ..SpeakerDraft::default()
        }),
        ..State::default()
    };

    let rounds = 200;
    let (mut taps, mut views, mut saves) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..rounds {
        let event = if i % 10 == 0 {
            Event::Tap(Action::ToggleCategory { category: Category::Light })
        } else {
            Event::Tap(Action::ToggleDevice { id: format!("d{}", (i * 7) % n) })
        };
        let t = Instant::now();
        let (next, _) = update(&state, event);
        taps.push(t.elapsed());
        let t = Instant::now();
        black_box(view(&next, Language::Japanese));
        views.push(t.elapsed());
        let t = Instant::now();
        black_box(smarthems::runtime::persisted::encode(&next));
        saves.push(t.elapsed());
        state = next;
    }
    let chosen = state.speaker.as_ref().map(|d| d.selection.chosen.len()).unwrap_or(0);
    println!("devices: {n}, chosen at the end: {chosen}, rounds: {rounds}");
    println!("tap (update incl. its view check): median {:?}", median(taps));
    println!("view for the shell:                median {:?}", median(views));
    println!("state JSON for SQLite:             median {:?}", median(saves));
}
