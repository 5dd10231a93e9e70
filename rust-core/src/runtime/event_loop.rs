//! The event loop: one event at a time is applied by the pure flow, saved, shown, and its effects
//! carried out by the runtime until the flow settles. The checks the app makes on its own
//! (`flow::runs_beside`: the launch's version check, home's refresh) run beside the user instead,
//! holding no turn, and their answers come back as events of their own. Calls out to the shell (screens for the
//! listeners, the platform's callbacks) are queued in the outbox and delivered on a thread of
//! their own with no lock held, so a shell may call straight back into the core.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use super::outbox::Callout;
use super::platform::Platform;
use super::store::Store;
use super::Runtime;
use crate::flow::{self, Event, Language, PhoneTask, ScreenView, State};

/// Told of every screen change, starting with the current screen.
#[uniffi::export(foreign)]
pub trait ScreenListener: Send + Sync {
    fn on_screen(&self, view: ScreenView);
}

/// The subscribed listeners, each under the id its subscription removes it by.
#[derive(Default)]
pub struct Listeners {
    next_id: Mutex<u64>,
    list: Mutex<Vec<(u64, Arc<dyn ScreenListener>)>>,
}

impl Listeners {
    pub fn add(&self, listener: Arc<dyn ScreenListener>) -> u64 {
        let id = {
            let mut next = self.next_id.lock().unwrap_or_else(|e| e.into_inner());
            *next += 1;
            *next
        };
        self.list.lock().unwrap_or_else(|e| e.into_inner()).push((id, listener));
        id
    }

    pub fn remove(&self, id: u64) {
        self.list.lock().unwrap_or_else(|e| e.into_inner()).retain(|(each, _)| *each != id);
    }

    fn notify(&self, view: Arc<ScreenView>) {
        // Copy the list first: a listener may subscribe or drop a subscription from its callback.
        let mut listeners: Vec<_> = self.list.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let Some((_, last)) = listeners.pop() else { return };
        for (_, listener) in listeners {
            listener.on_screen(ScreenView::clone(&view));
        }
        // The last listener (a phone's one) is handed the screen itself: nothing else holds it
        // (`EventLoop::shown` only points at it), so it is not copied.
        last.on_screen(Arc::try_unwrap(view).unwrap_or_else(|shared| ScreenView::clone(&shared)));
    }
}

/// The core's runtime, created once per process; every async call runs on it, so futures polled
/// from Kotlin or Swift executors never meet "no reactor running".
pub fn tokio_runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("smarthems")
            .enable_all()
            .build()
            .expect("the core's tokio runtime starts")
    })
}

/// Marks a tap done when dropped: it is no longer under way, and a double tap waiting on it answers.
struct TapDone {
    core: Arc<EventLoop>,
    action: flow::Action,
}

impl Drop for TapDone {
    fn drop(&mut self) {
        self.core.taps_under_way.lock().unwrap_or_else(|e| e.into_inner()).retain(|a| *a != self.action);
        self.core.tap_done.notify_waiters();
    }
}

/// The checks one call started beside the user, and those their answers started in turn: the
/// call waits a little for them (`EventLoop::quiet_wait`) before it answers.
#[derive(Clone)]
struct Family(Arc<tokio::sync::watch::Sender<usize>>);

/// One check of a family still running; it leaves the family when dropped.
struct Member(Family);

impl Family {
    fn new() -> Self {
        Family(Arc::new(tokio::sync::watch::channel(0).0))
    }

    fn join(&self) -> Member {
        self.0.send_modify(|running| *running += 1);
        Member(self.clone())
    }

    fn running(&self) -> bool {
        *self.0.borrow() > 0
    }

    /// Until every check of the family has answered (and its answer been applied), or `within`.
    async fn settled(&self, within: Duration) {
        let mut watching = self.0.subscribe();
        let _ = tokio::time::timeout(within, watching.wait_for(|running| *running == 0)).await;
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        self.0 .0.send_modify(|running| *running -= 1);
    }
}

/// The app's state and everything that moves it on.
pub struct EventLoop {
    state: Mutex<State>,
    /// The screen of `state`, built once per transition and handed to the listeners, which take
    /// it as it is (building it, and copying it, were most of a tap's cost on a screen of many
    /// devices). Only pointed at: once delivered it belongs to the listener, and `view()` builds
    /// it again from the state (shells ask for it before they subscribe, not on every tap).
    shown: Mutex<Weak<ScreenView>>,
    /// One event (and its chain of effects) at a time, in the order they arrive. Never held
    /// while the shell is called: calls out go through the outbox.
    turn: tokio::sync::Mutex<()>,
    store: Store,
    runtime: Runtime,
    language: Language,
    platform: Arc<dyn Platform>,
    pub listeners: Arc<Listeners>,
    /// Taps waiting for their turn or in it: the same tap again meanwhile is a double tap.
    taps_under_way: Mutex<Vec<flow::Action>>,
    /// Told each time a tap is done, for a double tap waiting to answer with what it led to.
    tap_done: tokio::sync::Notify,
    /// How long a call waits for the checks it started beside the user (`Tuning::quiet_wait`).
    quiet_wait: Duration,
}

impl EventLoop {
    pub fn new(state: State, store: Store, runtime: Runtime, language: Language, platform: Arc<dyn Platform>) -> Self {
        let shown = Mutex::new(Weak::new());
        EventLoop {
            state: Mutex::new(state),
            shown,
            turn: tokio::sync::Mutex::new(()),
            store,
            runtime,
            language,
            platform,
            listeners: Arc::default(),
            taps_under_way: Mutex::default(),
            tap_done: tokio::sync::Notify::new(),
            quiet_wait: crate::ffi::QUIET_WAIT,
        }
    }

    pub fn waiting_quietly(mut self, quiet_wait: Duration) -> Self {
        self.quiet_wait = quiet_wait;
        self
    }

    /// The screen to draw now.
    pub fn view(&self) -> ScreenView {
        // Read under the state's lock, as `apply` sets both: the screen is never older than the
        // state; built (when it must be) with no lock held.
        let state = {
            let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(view) = self.shown.lock().unwrap_or_else(|e| e.into_inner()).upgrade() {
                return ScreenView::clone(&view);
            }
            state.clone()
        };
        flow::view(&state, self.language)
    }

    /// Applies `event` on the core's own runtime, whatever thread or executor the caller is on,
    /// and returns once the screens it led to have reached the listeners. The work is spawned: a
    /// caller that stops waiting does not stop the event.
    pub async fn send(self: &Arc<Self>, event: Event) {
        // A double tap does one thing: the same tap while the first is still under way (a second
        // browser would make the first login page useless) is ignored.
        let tap = match &event {
            Event::Tap(action) => Some(action.clone()),
            _ => None,
        };
        if let Some(action) = &tap {
            let again = {
                let mut under_way = self.taps_under_way.lock().unwrap_or_else(|e| e.into_inner());
                let again = under_way.contains(action);
                if !again {
                    under_way.push(action.clone());
                }
                again
            };
            if again {
                tracing::debug!("the same tap again while the first is under way: ignored");
                // Answer once the first tap has been applied and its screens shown.
                loop {
                    let done = self.tap_done.notified();
                    if !self.taps_under_way.lock().unwrap_or_else(|e| e.into_inner()).contains(action) {
                        return;
                    }
                    done.await;
                }
            }
        }
        let this = self.clone();
        // Called from inside one of our own callbacks (a listener tapping, a browser answering at
        // once): that callback is part of the delivery, so this call must not wait for it.
        let reentrant = this.runtime.outbox.in_callout();
        let handled = async move {
            let checks = Family::new();
            {
                // Done however the handling ends (a panic included), or that tap would wait for good.
                let _done = tap.map(|action| TapDone { core: this.clone(), action });
                this.clone().handle(event, reentrant, checks.clone(), None).await;
            }
            if reentrant || !checks.running() {
                return;
            }
            // Holding nothing (the same tap again is a new tap now, other taps go ahead): a launch
            // whose checks answer soon returns after the screen they lead to; a silent service
            // leaves the screen as it is. On the core's runtime: the caller's executor has no timer.
            checks.settled(this.quiet_wait).await;
        };
        if let Err(error) = tokio_runtime().spawn(handled).await {
            tracing::error!(%error, "event handling stopped");
        }
    }

    /// Applies an event and every event its effects answer with, until the flow settles; then
    /// waits (holding nothing) until the shell has been told, so that when a call returns its
    /// screens have been shown and its browser or Google Home opened.
    ///
    /// `asked_for` is set for the answer of a check run beside the user: the subject of the
    /// account it was made for. Someone who logged out (or another person who logged in)
    /// meanwhile is not told about the session before.
    async fn handle(self: Arc<Self>, event: Event, reentrant: bool, family: Family, asked_for: Option<Option<String>>) {
        {
            let _turn = self.turn.lock().await;
            if asked_for.is_some_and(|subject| subject != self.subject()) {
                tracing::debug!(event = event.kind(), "an answer for a session that has ended: dropped");
                return;
            }
            let mut queue = VecDeque::from([event]);
            while let Some(event) = queue.pop_front() {
                let effects = self.apply(event);
                let (beside, effects): (Vec<_>, Vec<_>) = {
                    let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
                    effects.into_iter().partition(|effect| flow::runs_beside(&state, effect))
                };
                for effect in beside {
                    self.run_beside(effect, &family);
                }
                if !effects.is_empty() {
                    // The busy screen shows while the effects run.
                    self.deliver();
                }
                for effect in effects {
                    tracing::debug!(effect = effect.kind(), "effect");
                    queue.extend(self.run_effect(effect).await);
                }
            }
        }
        let delivered = self.runtime.outbox.last_posted();
        self.deliver();
        if !reentrant {
            self.runtime.outbox.wait_for(delivered).await;
        }
    }

    /// The subject of the account logged in now, if any.
    fn subject(&self) -> Option<String> {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).account.as_ref().map(|a| a.subject.clone())
    }

    /// Runs a check beside the user: no turn is held while it waits on the network, and its
    /// answer takes its turn like any event.
    fn run_beside(self: &Arc<Self>, effect: flow::Effect, family: &Family) {
        tracing::debug!(effect = effect.kind(), "effect beside the user");
        let (this, member, family) = (self.clone(), family.join(), family.clone());
        let asked_for = self.subject();
        tokio_runtime().spawn(async move {
            let _member = member;
            if let Some(answer) = this.runtime.run(effect).await {
                this.clone().handle(answer, false, family, Some(asked_for)).await;
            }
        });
    }

    /// Runs one effect (under the turn); while it waits out a pause the cloud asked for, the user
    /// is told so over the busy screen.
    async fn run_effect(self: &Arc<Self>, effect: flow::Effect) -> Option<Event> {
        let mut waited = self.runtime.api.waited.lock().await;
        // A wait told by work run outside this loop is not this effect's.
        while waited.try_recv().is_ok() {}
        let run = self.runtime.run(effect);
        tokio::pin!(run);
        loop {
            tokio::select! {
                answer = &mut run => return answer,
                Some(_) = waited.recv() => {
                    self.apply(Event::AskedToWait);
                    self.deliver();
                }
            }
        }
    }

    /// Hands the queued calls out to a thread of their own, where the shell may block or call
    /// back into the core without holding up anything the core holds.
    fn deliver(self: &Arc<Self>) {
        let this = self.clone();
        tokio_runtime().spawn_blocking(move || this.runtime.outbox.drain(&|callout| this.call_out(callout)));
    }

    fn call_out(self: &Arc<Self>, callout: Callout) {
        let (asked, done) = match callout {
            Callout::Screen(view) => return self.listeners.notify(view),
            Callout::OpenLoginPage(url) => (PhoneTask::OpenBrowser, self.platform.open_login_page(url)),
            Callout::OpenGoogleHome(link) => (PhoneTask::OpenGoogleHome, self.platform.open_google_home(link)),
            Callout::OpenStore => (PhoneTask::OpenStore, self.platform.open_store()),
            Callout::AnswerGoogle(answer) => (PhoneTask::AnswerGoogle, self.platform.answer_google(answer)),
        };
        if let Err(error) = done {
            // The user is told on the screen they are on; the event goes in line like any other.
            tracing::warn!(task = ?asked, %error, "the phone could not do it");
            let this = self.clone();
            tokio_runtime().spawn(async move { this.send(Event::PhoneFailed(asked)).await });
        }
    }

    /// One transition: update, save, and queue the new screen for the listeners. The save runs
    /// outside the state's lock (under the turn, so saves keep their order): drawing the screen
    /// never waits for the disk.
    fn apply(&self, event: Event) -> Vec<flow::Effect> {
        // By kind only: events carry names, codes and URLs that never belong in a log.
        tracing::debug!(event = event.kind(), "event");
        let (next, effects) = {
            let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            let (next, effects) = flow::update(&state, event);
            if next == *state {
                return effects;
            }
            (next, effects)
        };
        let mut next = next;
        if let Err(error) = self.store.save(&next) {
            // Nothing is lost while the app runs; the user is told it would be on closing it.
            tracing::error!(%error, "could not save the app state");
            next.notice = Some(flow::Notice::NotSaved);
        }
        let view = Arc::new(flow::view(&next, self.language));
        {
            // Both under one lock order (state, then screen), so `view()` never sees a screen
            // older than the state beside it for long.
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            *state = next;
            *self.shown.lock().unwrap_or_else(|e| e.into_inner()) = Arc::downgrade(&view);
        }
        tracing::info!(screen = %flow::graph::node_name(&view.screen), "screen");
        // Under the turn, so listeners hear the screens in the order they were shown.
        self.runtime.outbox.post(Callout::Screen(view));
        effects
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{Action, Notice, Screen, SpeakerDraft};
    use crate::runtime::platform::PlatformError;

    struct Nothing;
    impl Platform for Nothing {
        fn open_login_page(&self, _: String) -> Result<(), PlatformError> {
            Ok(())
        }
        fn open_google_home(&self, _: String) -> Result<(), PlatformError> {
            Ok(())
        }
        fn open_store(&self) -> Result<(), PlatformError> {
            Ok(())
        }
        fn answer_google(&self, _: flow::AppFlipAnswer) -> Result<(), PlatformError> {
            Ok(())
        }
    }

    fn event_loop(store: Store, state: State) -> EventLoop {
        let api = crate::runtime::cloud::answer_tests::api_at("https://api.example.jp/v1");
        let runtime = Runtime {
            api,
            outbox: Arc::default(),
            clock: Default::default(),
            app_version: "1.0".into(),
            speaker_user: "phone".into(),
            old_id_paths: vec![],
        };
        EventLoop::new(state, store, runtime, Language::Japanese, Arc::new(Nothing))
    }

    /// A full disk or a read-only file: what the user typed stays on the screen while the app runs, and they are told
    /// it could not be saved — not left to find it gone on the next launch.
    #[test]
    fn a_save_that_fails_is_told_and_what_was_typed_stays() {
        let store = Store::open(std::path::Path::new(":memory:")).unwrap();
        let nickname = State { screen: Screen::Nickname, speaker: Some(SpeakerDraft::default()), ..State::default() };
        store.save(&nickname).unwrap();
        store.refuse_writes();
        let app = event_loop(store, nickname);
        app.apply(Event::Tap(Action::EditNickname { text: "たろう".repeat(60) }));
        let view = app.view();
        assert_eq!(view.input.map(|i| i.value), Some("たろう".repeat(60)));
        assert_eq!(app.state.lock().unwrap().notice, Some(Notice::NotSaved));
        assert!(view.notice.is_some_and(|n| n.contains("保存できませんでした")));
    }

    /// While the app waits out a cloud's `Retry-After`, the busy screen says so; the notice goes
    /// with the answer.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_wait_the_cloud_asked_for_is_shown() {
        use crate::runtime::cloud::answer_tests::{answering_in_turn, TERMS};
        let (base, _) =
            answering_in_turn(vec![("503 Service Unavailable", "retry-after: 3\r\n", ""), ("200 OK", "", TERMS)]).await;
        let mut app = event_loop(Store::open(std::path::Path::new(":memory:")).unwrap(), State::default());
        app.runtime.api = crate::runtime::cloud::answer_tests::api_at(&base);
        let busy = State { screen: Screen::Busy { activity: flow::Activity::LoadingTerms }, ..State::default() };
        *app.state.lock().unwrap() = busy;
        let app = Arc::new(app);
        let running = tokio::spawn({
            let app = app.clone();
            async move { app.run_effect(flow::Effect::LoadTerms(flow::TermsKind::App)).await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        let waiting = app.view();
        assert!(waiting.notice.is_some_and(|n| n.contains("混み合って")), "{:?}", app.view().notice);
        let answer = running.await.unwrap().expect("the terms");
        assert!(matches!(answer, Event::TermsLoaded { .. }));
        app.apply(answer);
        assert_eq!(app.state.lock().unwrap().notice, None);
    }

    /// The screen crosses once: the last listener takes it as it is, the others get copies, and
    /// every one of them hears the same screens; reading it afterwards still gives that screen.
    #[tokio::test]
    async fn every_listener_hears_each_screen_and_it_can_still_be_read() {
        #[derive(Default)]
        struct Heard(Mutex<Vec<ScreenView>>);
        impl ScreenListener for Heard {
            fn on_screen(&self, view: ScreenView) {
                self.0.lock().unwrap().push(view);
            }
        }
        let nickname = State { screen: Screen::Nickname, speaker: Some(SpeakerDraft::default()), ..State::default() };
        let app = Arc::new(event_loop(Store::open(std::path::Path::new(":memory:")).unwrap(), nickname));
        let listeners: Vec<Arc<Heard>> = (0..3).map(|_| Arc::default()).collect();
        for (typed, listening) in ["た", "たろ", "たろう"].into_iter().zip(1..) {
            app.listeners.add(listeners[listening - 1].clone());
            app.send(Event::Tap(Action::EditNickname { text: typed.into() })).await;
            let shown = app.view();
            assert_eq!(shown.input.as_ref().map(|i| i.value.as_str()), Some(typed));
            for heard in &listeners[..listening] {
                assert_eq!(heard.0.lock().unwrap().last(), Some(&shown), "{listening} listening");
            }
        }
        assert_eq!(listeners.iter().map(|l| l.0.lock().unwrap().len()).collect::<Vec<_>>(), [3, 2, 1]);
    }
}
