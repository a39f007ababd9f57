//! Servers that stop answering, on loopback: a listener that accepts connections and never reads
//! them, and a proxy that forwards to a real server until told to hang, as a database behind a
//! network that drops every packet would.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};

/// Listens on a free loopback port, accepts every connection and holds it open without reading
/// or writing a byte. Returns the port; the listener lives as long as the runtime.
pub async fn silent_listener() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    port
}

/// A TCP proxy on loopback in front of a server's port. After [`hang`](Self::hang), connections
/// it was forwarding stop (what either side sends next is never passed on, and nothing is
/// closed) and new ones are accepted and never answered. After [`resume`](Self::resume), new
/// connections are forwarded again, while those that hung stay hung: as after a network outage,
/// in which connections open across it are lost without their ends being told.
pub struct HangingProxy {
    port: u16,
    /// Odd while hung; a connection whose epoch is no longer the current one hangs.
    epoch: Arc<AtomicU64>,
}

impl HangingProxy {
    pub async fn start(target_port: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let epoch = Arc::new(AtomicU64::new(0));
        let shared = epoch.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let started = shared.load(Ordering::SeqCst);
                let shared = shared.clone();
                tokio::spawn(async move {
                    if started % 2 == 1 {
                        let _held = client;
                        return std::future::pending::<()>().await;
                    }
                    let Ok(server) = TcpStream::connect(("127.0.0.1", target_port)).await else {
                        return;
                    };
                    let (client_read, client_write) = client.into_split();
                    let (server_read, server_write) = server.into_split();
                    let up = forward(client_read, server_write, shared.clone(), started);
                    let down = forward(server_read, client_write, shared, started);
                    tokio::join!(up, down);
                });
            }
        });
        Self { port, epoch }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn hang(&self) {
        let epoch = self.epoch.load(Ordering::SeqCst);
        assert_eq!(epoch % 2, 0, "already hung");
        self.epoch.store(epoch + 1, Ordering::SeqCst);
    }

    pub fn resume(&self) {
        let epoch = self.epoch.load(Ordering::SeqCst);
        assert_eq!(epoch % 2, 1, "not hung");
        self.epoch.store(epoch + 1, Ordering::SeqCst);
    }
}

/// Copies `from` to `to` while the proxy's epoch is `started`; then holds both open forever.
async fn forward(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, epoch: Arc<AtomicU64>, started: u64) {
    let mut buffer = vec![0; 16 * 1024];
    loop {
        let read = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => read,
        };
        if epoch.load(Ordering::SeqCst) != started {
            let _held = (from, to);
            return std::future::pending().await;
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            return;
        }
    }
}
