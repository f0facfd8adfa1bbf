//! Puts the commit into `infrac --version` (`infrac 0.1.0 (3f2a9c1d0b7e 2026-11-29)`). A build
//! from a tarball, without `.git` or without `git`, gets the bare version; a packager may set
//! `INFRAC_COMMIT` itself.
//!
//! And links the binary with packed relative relocations where the toolchain and the C library
//! support them (see [`packed_relocations_work`]).

use std::path::Path;
use std::process::{Command, Stdio};

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

fn main() {
    println!("cargo:rerun-if-env-changed=INFRAC_COMMIT");
    let version = env!("CARGO_PKG_VERSION");
    let commit = std::env::var("INFRAC_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(|| git(&["log", "-1", "--format=%h %cs", "--abbrev=12"]));
    // Build again when HEAD moves: HEAD itself, the branch it names, and packed refs.
    for path in ["HEAD", "packed-refs"] {
        if let Some(p) = git(&["rev-parse", "--git-path", path]) {
            println!("cargo:rerun-if-changed={p}");
        }
    }
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        if let Some(p) = git(&["rev-parse", "--git-path", &branch]) {
            println!("cargo:rerun-if-changed={p}");
        }
    }
    let full = match commit {
        Some(commit) => format!("{version} ({commit})"),
        None => version.to_string(),
    };
    println!("cargo:rustc-env=INFRAC_VERSION={full}");

    println!("cargo:rerun-if-env-changed=CC");
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
    if packed_relocations_work() {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

/// Whether to link with `-z pack-relative-relocs` (DT_RELR). The binary is position
/// independent, so the loader fixes up every pointer in its data when it starts: with the AWS
/// SDK, 2.3 MB of classic relocation entries, read on every run, even `infrac --version`.
/// Packed, they take a few kilobytes; the process is about 3 MB smaller and starts sooner,
/// and keeps its address randomization (a non-PIE link would save a little more, without it).
///
/// It takes GNU ld 2.38 or lld 15 and glibc 2.36, so this links and runs a small program with
/// the flag first, and leaves it out wherever that fails or warns (an older linker ignores it
/// with a warning), when cross-compiling, and on other systems.
fn packed_relocations_work() -> bool {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    if var("CARGO_CFG_TARGET_OS") != "linux"
        || var("CARGO_CFG_TARGET_ENV") != "gnu"
        || var("TARGET") != var("HOST")
    {
        return false;
    }
    let Some(out) = std::env::var_os("OUT_DIR") else {
        return false;
    };
    let dir = Path::new(&out);
    let (source, program) = (dir.join("relr-probe.c"), dir.join("relr-probe"));
    if std::fs::write(&source, "int main(void) { return 0; }\n").is_err() {
        return false;
    }
    // The linker cargo was told to use for this target, else the C compiler rustc links with.
    let cc = ["RUSTC_LINKER", "CC"]
        .into_iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "cc".to_string());
    let linked = Command::new(cc)
        .args(["-fPIE", "-pie", "-Wl,-z,pack-relative-relocs", "-o"])
        .arg(&program)
        .arg(&source)
        .stdin(Stdio::null())
        .output();
    let Ok(linked) = linked else {
        return false;
    };
    linked.status.success()
        && linked.stderr.is_empty()
        && Command::new(&program)
            .stdin(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
}
