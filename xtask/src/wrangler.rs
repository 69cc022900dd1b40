//! Running the Worker with wrangler: locally for development and tests, and deploying it.

use crate::sh::{cmd, in_dir, run};
use crate::{build, config, ports, root, tools, Result};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// Printed by `cargo xtask dev`; only ever used on this machine. `.dev.vars` overrides it.
pub const DEV_OPERATOR_TOKEN: &str = "porthole-local-operator-token";
/// Signs visitor tokens locally; `.dev.vars` overrides it. Production sets its own secret.
pub const DEV_TOKEN_SECRET: &str = "porthole-local-token-secret-not-for-production";

pub struct Options {
    pub port: u16,
    pub inspector_port: u16,
    pub config_json: String,
    pub persist_to: PathBuf,
    pub vars: Vec<(String, String)>,
    /// Where wrangler's output goes; `None` shows it.
    pub log: Option<PathBuf>,
}

/// A `wrangler dev` process group, stopped when dropped.
pub struct Worker {
    child: Child,
    pub url: String,
}

impl Worker {
    pub fn start(opts: &Options) -> Result<Worker> {
        migrate_local(&opts.persist_to)?;
        let mut c = dev_command(opts);
        if let Some(log) = &opts.log {
            let file = File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
            c.stdout(file.try_clone().map_err(|e| e.to_string())?)
                .stderr(file);
        }
        // Its own process group: wrangler starts node and workerd children that must all stop.
        std::os::unix::process::CommandExt::process_group(&mut c, 0);
        c.stdin(Stdio::null());
        let child = c
            .spawn()
            .map_err(|e| format!("could not start wrangler: {e}"))?;
        let worker = Worker {
            child,
            url: format!("http://127.0.0.1:{}", opts.port),
        };
        worker.wait_healthy(Duration::from_secs(60))?;
        Ok(worker)
    }

    /// CPU time (user + system) the Worker's runtime processes (workerd) have used so far: what
    /// the Worker's code costs, with the runtime's own overhead, on this machine.
    pub fn cpu_seconds(&self) -> f64 {
        let group = self.child.id().to_string();
        let ticks: f64 = crate::sh::output("getconf", &["CLK_TCK"])
            .and_then(|t| t.trim().parse().ok())
            .unwrap_or(100.0);
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return 0.0;
        };
        entries
            .flatten()
            .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
            .filter_map(|stat| {
                let (head, rest) = stat.rsplit_once(')')?;
                let fields: Vec<&str> = rest.split_whitespace().collect();
                // After the name: state, ppid, pgrp, …, utime (14th field of the line), stime (15th).
                (head.contains("workerd") && fields.get(2) == Some(&group.as_str()))
                    .then(|| {
                        fields
                            .get(11)?
                            .parse::<f64>()
                            .ok()
                            .zip(fields.get(12)?.parse::<f64>().ok())
                    })
                    .flatten()
                    .map(|(user, system)| (user + system) / ticks)
            })
            .sum()
    }

    /// Resident memory of the Worker's runtime processes (workerd) now, in bytes.
    pub fn memory_bytes(&self) -> u64 {
        let group = self.child.id().to_string();
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return 0;
        };
        entries
            .flatten()
            .filter_map(|e| {
                let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
                let (head, rest) = stat.rsplit_once(')')?;
                let fields: Vec<&str> = rest.split_whitespace().collect();
                if !(head.contains("workerd") && fields.get(2) == Some(&group.as_str())) {
                    return None;
                }
                let status = std::fs::read_to_string(e.path().join("status")).ok()?;
                let kb = status
                    .lines()
                    .find_map(|l| l.strip_prefix("VmRSS:"))?
                    .trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()?;
                Some(kb * 1024)
            })
            .sum()
    }

    /// Kills wrangler and workerd at once, as a crash or a lost machine would: no clean-up runs.
    pub fn kill(mut self) {
        let _ = cmd("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.wait();
    }

    fn wait_healthy(&self, limit: Duration) -> Result {
        let start = Instant::now();
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(2))
            .build();
        while start.elapsed() < limit {
            if agent.get(&format!("{}/health", self.url)).call().is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        Err(format!(
            "the Worker did not answer {}/health within {}s",
            self.url,
            limit.as_secs()
        ))
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        let group = format!("-{}", self.child.id());
        let _ = cmd("kill").args(["-TERM", "--", &group]).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = cmd("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.wait();
    }
}

fn edge_dir() -> PathBuf {
    root().join("edge")
}

fn dev_command(opts: &Options) -> std::process::Command {
    let mut c = in_dir(cmd("wrangler"), &edge_dir());
    c.args(["dev", "--ip", "127.0.0.1", "--port", &opts.port.to_string()]);
    c.args(["--inspector-port", &opts.inspector_port.to_string()]);
    c.arg("--persist-to").arg(&opts.persist_to);
    c.args(["--test-scheduled", "--show-interactive-dev-session=false"]);
    c.arg("--var")
        .arg(format!("PORTHOLE_CONFIG:{}", opts.config_json));
    for (k, v) in &opts.vars {
        c.arg("--var").arg(format!("{k}:{v}"));
    }
    c
}

/// Applies `edge/migrations` to the local D1 database in `persist_to`.
fn migrate_local(persist_to: &Path) -> Result {
    let mut c = in_dir(cmd("wrangler"), &edge_dir());
    c.args(["d1", "migrations", "apply", "DB", "--local"])
        .arg("--persist-to")
        .arg(persist_to);
    run(&mut c)
}

/// `cargo xtask dev`
pub fn dev(config_path: &Path) -> Result {
    // The configuration first: a typo should not cost a build.
    let config_json = config::to_var(&config::load(config_path)?);
    tools::ensure()?;
    build::all()?;
    let persist_to = edge_dir().join(".wrangler/state");
    migrate_local(&persist_to)?;
    let mut vars = Vec::new();
    let token_note = if dev_vars_define("PORTHOLE_OPERATOR_TOKEN") {
        "PORTHOLE_OPERATOR_TOKEN from edge/.dev.vars".to_string()
    } else {
        vars.push((
            "PORTHOLE_OPERATOR_TOKEN".to_string(),
            DEV_OPERATOR_TOKEN.to_string(),
        ));
        DEV_OPERATOR_TOKEN.to_string()
    };
    if !dev_vars_define("PORTHOLE_TOKEN_SECRET") {
        vars.push((
            "PORTHOLE_TOKEN_SECRET".to_string(),
            DEV_TOKEN_SECRET.to_string(),
        ));
    }
    let url = ports::local(ports::DEV);
    // Links to attachments point here (a helpdesk on this machine can fetch them).
    vars.push(("PORTHOLE_PUBLIC_URL".to_string(), url.clone()));
    println!(
        "\nPorthole is starting with sites from {config}:\n\
         \n  demo page     {url}/\
         \n  loader        {url}/porthole.js\
         \n  health        {url}/health\
         \n  inbox         curl -H 'Authorization: Bearer {token_note}' {url}/v1/inbox/conversations\
         \n  deliveries    cargo xtask deliveries\
         \n  cron (sweep)  curl '{url}/__scheduled?cron=*+*+*+*+*'\n",
        config = config_path.display(),
    );
    let opts = Options {
        port: ports::DEV,
        inspector_port: ports::DEV_INSPECTOR,
        config_json,
        persist_to,
        vars,
        log: None,
    };
    run(&mut dev_command(&opts))
}

fn dev_vars_define(name: &str) -> bool {
    std::fs::read_to_string(edge_dir().join(".dev.vars")).is_ok_and(|text| {
        text.lines()
            .any(|l| l.trim_start().starts_with(&format!("{name}=")))
    })
}

/// `cargo xtask deploy`: needs `wrangler login` (or CLOUDFLARE_API_TOKEN) and a real D1 id in
/// edge/wrangler.toml.
pub fn deploy(config_path: &Path) -> Result {
    let config = config::load(config_path)?;
    let wrangler_toml = std::fs::read_to_string(edge_dir().join("wrangler.toml"))
        .map_err(|e| format!("edge/wrangler.toml: {e}"))?;
    let problems = config::deploy_problems(&config, &wrangler_toml);
    if !problems.is_empty() {
        return Err(format!(
            "not ready to deploy:\n  - {}",
            problems.join("\n  - ")
        ));
    }
    let config_json = config::to_var(&config);
    tools::ensure()?;
    build::all()?;
    let edge = edge_dir();
    let deploy_cmd = |args: &[&str]| {
        let mut c = in_dir(cmd("wrangler"), &edge);
        c.env_remove("CI").args(args);
        c
    };
    run(&mut deploy_cmd(&[
        "d1",
        "migrations",
        "apply",
        "DB",
        "--remote",
    ]))?;
    run(deploy_cmd(&["deploy"])
        .arg("--var")
        .arg(format!("PORTHOLE_CONFIG:{config_json}")))
}
