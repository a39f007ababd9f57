//! A real PostgreSQL server for one test: a fresh data directory under a temporary directory,
//! a free loopback port, password authentication, started as an unprivileged user when the
//! test runs as root (the server refuses to run as root), and stopped by its PID when the
//! [`PgServer`] is dropped, also when the test fails.
//!
//! Nothing is skipped: when the server cannot be started, the test fails saying why.

use std::fs;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The password of the test server's superuser; tests check that it is never shown.
pub const PASSWORD: &str = "pg-test-password-do-not-show";

/// How long the server may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(60);

pub struct PgServer {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    user: Option<(u32, u32)>,
    child: Option<Child>,
    /// Whether commits wait for the disk (off for tests, where durability across a crash of
    /// the machine is not what is tested; on for benchmarks).
    fsync: bool,
}

impl PgServer {
    /// Creates a cluster and starts the server; panics (failing the test) with the reason if it
    /// cannot.
    pub async fn start() -> Self {
        Self::start_with_fsync(false).await
    }

    /// As [`start`](Self::start), with commits that wait for `fsync`, as in production.
    pub async fn start_durable() -> Self {
        Self::start_with_fsync(true).await
    }

    async fn start_with_fsync(fsync: bool) -> Self {
        let bin = find_bin();
        let user = unprivileged_user();
        let dir = tempfile::Builder::new()
            .prefix("asana-pg-")
            .tempdir()
            .expect("a temporary directory");
        chown_to(dir.path(), user);
        let password_file = dir.path().join("password");
        fs::write(&password_file, PASSWORD).expect("password file");
        chown_to(&password_file, user);
        let data = dir.path().join("data");
        let output = as_user(Command::new(bin.join("initdb")), user)
            .current_dir(dir.path())
            .args([
                "--auth=scram-sha-256",
                "--username=postgres",
                "--encoding=UTF8",
            ])
            .arg("--no-sync")
            .arg(format!("--pwfile={}", password_file.display()))
            .arg("-D")
            .arg(&data)
            .output()
            .unwrap_or_else(|error| panic!("cannot run {}: {error}", bin.join("initdb").display()));
        assert!(
            output.status.success(),
            "initdb failed: {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let mut server = Self {
            dir,
            bin,
            port: free_port(),
            user,
            child: None,
            fsync,
        };
        server.start_again().await;
        server
    }

    /// The connection string, password included.
    pub fn url(&self) -> String {
        format!(
            "postgres://postgres:{PASSWORD}@127.0.0.1:{}/postgres",
            self.port
        )
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Starts the server on the same data directory and port, and waits until it accepts
    /// connections.
    pub async fn start_again(&mut self) {
        assert!(self.child.is_none(), "the server is running");
        let data = self.dir.path().join("data");
        let log = fs::File::create(self.dir.path().join("server.log")).expect("log file");
        chown_to(&self.dir.path().join("server.log"), self.user);
        let child = as_user(Command::new(self.bin.join("postgres")), self.user)
            .current_dir(self.dir.path())
            .arg("-D")
            .arg(&data)
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            // No Unix socket: the default directory may not be writable by this user.
            .args(["-c", "unix_socket_directories="])
            .args(["-c", if self.fsync { "fsync=on" } else { "fsync=off" }])
            .args(["-c", "max_connections=100"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start postgres: {error}"));
        self.child = Some(child);
        self.wait_until_ready().await;
    }

    async fn wait_until_ready(&mut self) {
        let started = Instant::now();
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    self.child = None;
                    panic!("postgres exited with {status}:\n{}", self.log());
                }
            }
            let connected = tokio_postgres::connect(&self.url(), tokio_postgres::NoTls).await;
            if let Ok((client, connection)) = connected {
                drop(client);
                drop(connection);
                return;
            }
            assert!(
                started.elapsed() < START_TIMEOUT,
                "postgres did not accept connections within {START_TIMEOUT:?}:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Stops the server (a fast shutdown, by PID) and waits for it to exit.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let pid = i32::try_from(child.id()).expect("a PID");
        // SIGINT is PostgreSQL's fast shutdown: open connections are closed at once.
        if !interrupt(pid) {
            let _ = child.kill();
        }
        let _ = child.wait();
    }

    fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Sends SIGINT to `pid` (a child of this process); whether it was sent.
fn interrupt(pid: i32) -> bool {
    Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .is_ok_and(|status| status.success())
}

/// The directory of `initdb` and `postgres`: on `PATH`, or Debian's versioned directory.
fn find_bin() -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>());
    let debian = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|version| version.path().join("bin"));
    on_path
        .chain(debian)
        .find(|dir| dir.join("initdb").is_file() && dir.join("postgres").is_file())
        .unwrap_or_else(|| {
            panic!(
                "PostgreSQL's initdb and postgres were not found on PATH nor in \
                 /usr/lib/postgresql/*/bin: install PostgreSQL (.ci/run does it with apt-get)"
            )
        })
}

/// When running as root: the uid and gid of the `postgres` user, which the server runs as.
fn unprivileged_user() -> Option<(u32, u32)> {
    let uid = run_id(&["-u"]);
    if uid != 0 {
        return None;
    }
    let passwd = fs::read_to_string("/etc/passwd").expect("/etc/passwd");
    let entry = passwd
        .lines()
        .find(|line| line.starts_with("postgres:"))
        .unwrap_or_else(|| {
            panic!(
                "running as root, and there is no `postgres` user to run the server as \
                 (PostgreSQL refuses root): create one (.ci/run does)"
            )
        });
    let fields: Vec<&str> = entry.split(':').collect();
    let number = |index: usize| -> u32 {
        fields
            .get(index)
            .and_then(|field| field.parse().ok())
            .unwrap_or_else(|| panic!("unreadable /etc/passwd entry: {entry}"))
    };
    Some((number(2), number(3)))
}

fn run_id(args: &[&str]) -> u32 {
    let output = Command::new("id").args(args).output().expect("id");
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .expect("a numeric id")
}

fn as_user(mut command: Command, user: Option<(u32, u32)>) -> Command {
    if let Some((uid, gid)) = user {
        command.uid(uid).gid(gid).env("HOME", "/tmp");
    }
    command
}

fn chown_to(path: &Path, user: Option<(u32, u32)>) {
    if let Some((uid, gid)) = user {
        std::os::unix::fs::chown(path, Some(uid), Some(gid))
            .unwrap_or_else(|error| panic!("cannot chown {}: {error}", path.display()));
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}
