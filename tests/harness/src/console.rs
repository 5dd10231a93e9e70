//! The harness's own cucumber writer: one line per scenario (`[3/73] …`), one line per step
//! (before the screens it caused), the screens in full only when a scenario fails (always with
//! `--verbose`), and every scenario kept for the report.

use std::time::SystemTime;

use cucumber::event::{self, Cucumber, Feature, Rule, Scenario, Step, StepError};
use cucumber::{cli, gherkin, parser, Event, Writer};

use crate::report::{self, Happening, ScenarioRecord, StepRecord};

pub struct Console {
    pub verbose: bool,
    /// How many scenarios the run selected (for `[n/N]`).
    pub total: usize,
    index: usize,
    current: Option<Running>,
    /// Feature files that did not parse (their scenarios never ran).
    pub broken: usize,
}

struct Running {
    record: ScenarioRecord,
    started: SystemTime,
    step_started: SystemTime,
}

impl Console {
    pub fn new(verbose: bool, total: usize) -> Console {
        Console { verbose, total, index: 0, current: None, broken: 0 }
    }

    fn scenario_event(
        &mut self,
        feature: &gherkin::Feature,
        scenario: &gherkin::Scenario,
        ev: Scenario<impl Sized>,
        at: SystemTime,
    ) {
        match ev {
            Scenario::Started => {
                self.index += 1;
                report::take_happenings(at);
                println!("[{}/{}] {} › {}", self.index, self.total, feature.name, scenario.name);
                let record =
                    ScenarioRecord { feature: feature.name.clone(), name: scenario.name.clone(), ..Default::default() };
                self.current = Some(Running { record, started: at, step_started: at });
            }
            Scenario::Background(step, ev) | Scenario::Step(step, ev) => self.step_event(&step, ev, at),
            Scenario::Hook(kind, event::Hook::Failed(_, info)) => {
                if let Some(run) = &mut self.current {
                    let reason = panic_text(&info);
                    println!("    ✘ {kind:?} hook: {reason}");
                    run.record.failure.get_or_insert((format!("{kind:?} hook"), reason));
                }
            }
            Scenario::Finished => self.finish(at),
            _ => {}
        }
    }

    fn step_event(&mut self, step: &gherkin::Step, ev: Step<impl Sized>, at: SystemTime) {
        let Some(run) = &mut self.current else { return };
        let text = format!("{} {}", step.keyword.trim(), step.value);
        let (ok, error) = match ev {
            Step::Started => {
                run.step_started = at;
                return;
            }
            Step::Passed(..) => (Some(true), None),
            Step::Skipped => (None, Some("no step definition matches this phrase".to_owned())),
            Step::Failed(_, _, _, error) => (Some(false), Some(error_text(&error))),
        };
        let millis = at.duration_since(run.step_started).unwrap_or_default().as_millis();
        let happened = report::take_happenings(at);
        let mark = match ok {
            Some(true) => "✔",
            Some(false) => "✘",
            None => "?",
        };
        println!("    {mark} {text}  ({millis} ms)");
        if self.verbose {
            print_happenings(&happened);
        }
        if let Some(e) = &error {
            if ok == Some(false) || run.record.failure.is_none() {
                print!("{}", report::indent(e, 8));
                run.record.failure.get_or_insert((text.clone(), e.clone()));
            }
        }
        run.record.steps.push(StepRecord { text, ok, millis, error, happened });
    }

    fn finish(&mut self, at: SystemTime) {
        let Some(mut run) = self.current.take() else { return };
        run.record.millis = at.duration_since(run.started).unwrap_or_default().as_millis();
        run.record.requests = report::take_requests();
        run.record.passed = run.record.failure.is_none() && run.record.steps.iter().all(|s| s.ok == Some(true));
        if !run.record.passed {
            if run.record.failure.is_none() {
                run.record.failure = Some(("(scenario)".into(), "a step did not run".into()));
            }
            if !self.verbose {
                println!("    ── what the app showed, step by step ──");
                for step in &run.record.steps {
                    println!("    {} {}", if step.ok == Some(true) { "✔" } else { "✘" }, step.text);
                    print_happenings(&step.happened);
                }
            }
            println!("    ✘ FAILED: {}", run.record.name);
        }
        report::push_scenario(run.record);
    }
}

fn print_happenings(happened: &[Happening]) {
    for h in happened {
        match h {
            Happening::Note(n) => println!("        ▶ {n}"),
            Happening::Screen { text, .. } => print!("{}", report::indent(text, 8)),
        }
    }
}

fn panic_text(info: &event::Info) -> String {
    info.downcast_ref::<String>()
        .cloned()
        .or_else(|| info.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "(a panic without a message)".into())
}

fn error_text(error: &StepError) -> String {
    match error {
        StepError::Panic(info) => panic_text(info),
        other => other.to_string(),
    }
}

impl<W: 'static> Writer<W> for Console {
    type Cli = cli::Empty;

    async fn handle_event(&mut self, ev: parser::Result<Event<Cucumber<W>>>, _: &Self::Cli) {
        let ev = match ev {
            Ok(ev) => ev,
            Err(error) => {
                self.broken += 1;
                BROKEN.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                println!("✘ a feature file could not be read: {error}");
                return;
            }
        };
        let (value, meta) = ev.split();
        let at = meta.at;
        if let Cucumber::Feature(feature, ev) = value {
            let (scenario, ev) = match ev {
                Feature::Scenario(scenario, ev) => (scenario, ev),
                Feature::Rule(_, Rule::Scenario(scenario, ev)) => (scenario, ev),
                _ => return,
            };
            self.scenario_event(&feature, &scenario, ev.event, at);
        }
    }
}

static BROKEN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// How many feature files could not be read in this process.
pub fn broken() -> usize {
    BROKEN.load(std::sync::atomic::Ordering::SeqCst)
}
