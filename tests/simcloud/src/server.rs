//! The running cloud: its shared state and its two ports.
//!
//! The main port serves every party (`/oidc`, `/api/v1`) and can be taken offline and brought
//! back on the same port number, which is how tests simulate losing the network: the app keeps
//! its configured URLs and must cope with refused connections. The side port serves `/_sim` and
//! is never taken down, so a test in another process can always bring the main port back.
//!
//! Both servers stop when the last `SimCloud` handle goes away: the handle owns the sending half
//! of `lifetime`, and each server treats the channel closing as its shutdown signal.

use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::http::StatusCode;
use axum::Router;
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

use crate::state::World;
use crate::{api, control, faults, oidc, wire};

/// How long going offline waits for in-flight requests before giving up on them.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

pub(crate) struct Cloud {
    world: Mutex<World>,
    base_url: String,
    main: tokio::sync::Mutex<MainPort>,
    lifetime: watch::Receiver<()>,
}

struct MainPort {
    addr: SocketAddr,
    serving: Option<Serving>,
}

struct Serving {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

/// What `start` hands to the `SimCloud` handle.
pub(crate) struct Started {
    pub cloud: Arc<Cloud>,
    pub control_addr: SocketAddr,
    pub lifetime: watch::Sender<()>,
}

impl Cloud {
    /// The world, even if a handler panicked while holding it: a test should see the follow-up
    /// failures it asserts on, not a poisoned-lock panic.
    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn issuer(&self) -> String {
        format!("{}/oidc", self.base_url)
    }
}

/// Binds both ports on loopback (`port` 0 picks a free one for the main port) and starts serving.
pub(crate) async fn start(port: u16) -> io::Result<Started> {
    let main_listener = bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))?;
    let main_addr = main_listener.local_addr()?;
    let control_listener = bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))?;
    let control_addr = control_listener.local_addr()?;

    let (lifetime_tx, lifetime) = watch::channel(());
    let cloud = Arc::new(Cloud {
        world: Mutex::new(World::seeded()),
        base_url: format!("http://{main_addr}"),
        main: tokio::sync::Mutex::new(MainPort { addr: main_addr, serving: None }),
        lifetime,
    });

    let serving = serve_main(&cloud, main_listener);
    cloud.main.lock().await.serving = Some(serving);
    // The control port has no stop of its own: it lives exactly as long as the handles.
    serve(control_listener, control::router(cloud.clone()), ended(cloud.lifetime.clone()));
    tracing::info!(%main_addr, %control_addr, "simcloud started");
    Ok(Started { cloud, control_addr, lifetime: lifetime_tx })
}

fn main_router(cloud: Arc<Cloud>) -> Router {
    Router::new()
        .nest("/oidc", oidc::router())
        .nest("/api/v1", api::router())
        .fallback(|| async { wire::error(StatusCode::NOT_FOUND, "not_found") })
        .layer(axum::middleware::from_fn_with_state(cloud.clone(), faults::record_and_inject))
        .with_state(cloud)
}

/// SO_REUSEADDR so that going back online can take the same port while the previous
/// connections are still in TIME_WAIT.
fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(128)
}

/// Resolves once the last `SimCloud` handle is gone. Nothing is ever sent on `lifetime`, so
/// `changed` only returns when the sender is dropped.
async fn ended(mut lifetime: watch::Receiver<()>) {
    let _ = lifetime.changed().await;
}

/// Serves until `shutdown` resolves. axum's graceful shutdown stops accepting, drops the
/// listener (new connections are refused) and closes idle keep-alive connections, so a client
/// reusing a pooled connection fails as well.
fn serve(listener: TcpListener, router: Router, shutdown: impl Future<Output = ()> + Send + 'static) -> JoinHandle<()> {
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, router).with_graceful_shutdown(shutdown).await {
            tracing::error!(%error, "simcloud server failed");
        }
    })
}

/// The main port stops on `go_offline` as well as at the end of the cloud's lifetime.
fn serve_main(cloud: &Arc<Cloud>, listener: TcpListener) -> Serving {
    let (stop, stopped) = oneshot::channel::<()>();
    let lifetime = cloud.lifetime.clone();
    let shutdown = async move {
        tokio::select! {
            _ = stopped => {}
            _ = ended(lifetime) => {}
        }
    };
    Serving { stop, task: serve(listener, main_router(cloud.clone()), shutdown) }
}

/// Stops the main port; returns once the listener is gone and open connections have closed.
pub(crate) async fn go_offline(cloud: &Cloud) {
    let mut main = cloud.main.lock().await;
    let Some(Serving { stop, task }) = main.serving.take() else {
        return;
    };
    let _ = stop.send(());
    if tokio::time::timeout(DRAIN_TIMEOUT, task).await.is_err() {
        tracing::warn!("simcloud went offline with requests still in flight");
    }
    tracing::info!(addr = %main.addr, "simcloud main port offline");
}

/// Re-binds the main port on the same address. Retries briefly: the kernel may need a moment
/// after the previous listener closed.
pub(crate) async fn go_online(cloud: &Arc<Cloud>) -> io::Result<()> {
    let mut main = cloud.main.lock().await;
    if main.serving.is_some() {
        return Ok(());
    }
    let mut attempts = 0;
    let listener = loop {
        match bind(main.addr) {
            Ok(listener) => break listener,
            Err(error) if error.kind() == io::ErrorKind::AddrInUse && attempts < 50 => {
                attempts += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(error) => return Err(error),
        }
    };
    main.serving = Some(serve_main(cloud, listener));
    tracing::info!(addr = %main.addr, "simcloud main port online");
    Ok(())
}
