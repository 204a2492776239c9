//! A TCP relay on a loopback port that a test can cut and restore: the database "goes away"
//! (every open connection dropped, new ones refused at once) and comes back, without touching
//! the real server other tests share.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

/// The relay; it stops when dropped.
pub struct Proxy {
    addr: SocketAddr,
    down: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<AbortHandle>>>,
    accepting: AbortHandle,
}

impl Proxy {
    /// Relays a free loopback port to `target`.
    pub async fn to(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let down = Arc::new(AtomicBool::new(false));
        let open = Arc::new(Mutex::new(Vec::<AbortHandle>::new()));
        let accepting = {
            let (down, open) = (Arc::clone(&down), Arc::clone(&open));
            tokio::spawn(async move {
                while let Ok((mut inbound, _)) = listener.accept().await {
                    if down.load(Ordering::SeqCst) {
                        // Closed at once: what a client sees of a server that is not there.
                        continue;
                    }
                    let relay = tokio::spawn(async move {
                        if let Ok(mut outbound) = TcpStream::connect(target).await {
                            let _ =
                                tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        }
                    });
                    open.lock().expect("lock").push(relay.abort_handle());
                }
            })
            .abort_handle()
        };
        Proxy {
            addr,
            down,
            open,
            accepting,
        }
    }

    /// The port clients connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Drops every open connection and refuses new ones until [`Proxy::restore`].
    pub fn cut(&self) {
        self.down.store(true, Ordering::SeqCst);
        for relay in self.open.lock().expect("lock").drain(..) {
            relay.abort();
        }
    }

    /// Drops every open connection but lets new ones through: a database restart the pool's
    /// idle connections did not see.
    pub fn drop_connections(&self) {
        for relay in self.open.lock().expect("lock").drain(..) {
            relay.abort();
        }
    }

    /// Relays new connections again.
    pub fn restore(&self) {
        self.down.store(false, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
        self.accepting.abort();
    }
}
