//! The deterministic zip of a function's `code`: entries sorted by their `/`-separated
//! relative paths, fixed timestamps, modes from disk, stored without compression. The same
//! files always give the same bytes, wherever the folder is.

use infrac_check::DiskFileSystem;
use infrac_plan::hash::code_files;
use std::fs;
use std::io;
use std::path::Path;

/// The most Lambda takes as a zip uploaded through its API (`ZipFile`): 50 MB. The zip is
/// stored, not compressed, so this is also about the most code a function can have here
/// (below Lambda's 250 MB unzipped limit). The plan refuses such code before any change
/// ([`infrac_plan::hash::too_big_for_lambda`]); this is the deploy's own guard.
pub const MAX_ZIP_BYTES: u64 = infrac_plan::hash::LAMBDA_ZIP_MAX;

/// Zips `path` (a folder, or a single file that becomes the zip's only entry): the same files,
/// found by the same walk ([`code_files`]), that the plan's content hash covers.
pub fn zip_code(path: &Path) -> io::Result<Vec<u8>> {
    let files = code_files(&DiskFileSystem, path)?;
    let mut entries = Vec::with_capacity(files.len());
    let mut total: u64 = 0;
    for (name, full) in files {
        let data = fs::read(&full)?;
        total += data.len() as u64 + 30 + 46 + 2 * name.len() as u64;
        if total > MAX_ZIP_BYTES {
            return Err(io::Error::other(format!(
                "{} holds more than Lambda's {} MB limit for code uploaded as a zip",
                path.display(),
                MAX_ZIP_BYTES / (1024 * 1024)
            )));
        }
        entries.push(Entry {
            name,
            mode: file_mode(&full)?,
            data,
        });
    }
    write_zip(&entries)
}

#[cfg(unix)]
fn file_mode(path: &Path) -> io::Result<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(path)?.permissions().mode() & 0o777;
    // Only whether it is executable matters to Lambda; the rest is normalized.
    Ok(if mode & 0o111 != 0 { 0o755 } else { 0o644 })
}

#[cfg(not(unix))]
fn file_mode(_path: &Path) -> io::Result<u32> {
    Ok(0o644)
}

/// One file of a zip.
#[derive(Clone, Debug)]
pub struct Entry {
    pub name: String,
    pub mode: u32,
    pub data: Vec<u8>,
}

/// 1980-01-01 00:00:00, the earliest time a zip can hold.
const DOS_TIME: u16 = 0;
const DOS_DATE: u16 = (1 << 5) | 1;

/// A stored (uncompressed) zip of `entries`, in the order given. More than 65,534 entries get
/// the zip64 end records (which every unzip since 2001 reads); a size or offset past 4 GiB is an
/// error rather than a silent wrap (no caller comes near it: Lambda stops at 50 MB).
pub fn write_zip(entries: &[Entry]) -> io::Result<Vec<u8>> {
    let too_big = |what: &str| {
        io::Error::other(format!(
            "cannot zip: {what} is over the 4 GiB a zip without zip64 sizes can hold"
        ))
    };
    let mut out = Vec::new();
    let mut central = Vec::new();
    for entry in entries {
        let offset = u32::try_from(out.len()).map_err(|_| too_big("the archive"))?;
        let crc = crc32(&entry.data);
        let size = u32::try_from(entry.data.len())
            .ok()
            .filter(|s| *s != u32::MAX)
            .ok_or_else(|| too_big(&entry.name))?;
        let name = entry.name.as_bytes();
        let name_len = u16::try_from(name.len()).map_err(|_| {
            io::Error::other(format!(
                "cannot zip: the path {} is over 65,535 bytes",
                entry.name
            ))
        })?;
        // Local file header.
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        out.extend_from_slice(&20u16.to_le_bytes()); // version needed
        out.extend_from_slice(&0x0800u16.to_le_bytes()); // flags: UTF-8 names
        out.extend_from_slice(&0u16.to_le_bytes()); // stored
        out.extend_from_slice(&DOS_TIME.to_le_bytes());
        out.extend_from_slice(&DOS_DATE.to_le_bytes());
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&name_len.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes()); // extra
        out.extend_from_slice(name);
        out.extend_from_slice(&entry.data);
        // Central directory record.
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&((3u16 << 8) | 0x14).to_le_bytes()); // made by: Unix
        central.extend_from_slice(&20u16.to_le_bytes());
        central.extend_from_slice(&0x0800u16.to_le_bytes());
        central.extend_from_slice(&0u16.to_le_bytes());
        central.extend_from_slice(&DOS_TIME.to_le_bytes());
        central.extend_from_slice(&DOS_DATE.to_le_bytes());
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&name_len.to_le_bytes());
        central.extend_from_slice(&0u16.to_le_bytes()); // extra
        central.extend_from_slice(&0u16.to_le_bytes()); // comment
        central.extend_from_slice(&0u16.to_le_bytes()); // disk
        central.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
        central.extend_from_slice(&((0o100_000 | entry.mode) << 16).to_le_bytes());
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name);
    }
    let central_offset = u32::try_from(out.len())
        .ok()
        .filter(|o| *o != u32::MAX)
        .ok_or_else(|| too_big("the archive"))?;
    let central_size = u32::try_from(central.len()).map_err(|_| too_big("the directory"))?;
    out.extend_from_slice(&central);
    // 0xFFFF in the classic record means "read the count from the zip64 record".
    let count16 = u16::try_from(entries.len()).ok().filter(|c| *c != u16::MAX);
    if count16.is_none() {
        let zip64_offset = out.len() as u64;
        let count = entries.len() as u64;
        out.extend_from_slice(&0x0606_4b50u32.to_le_bytes()); // zip64 end of central directory
        out.extend_from_slice(&44u64.to_le_bytes()); // size of the rest of this record
        out.extend_from_slice(&((3u16 << 8) | 0x2d).to_le_bytes());
        out.extend_from_slice(&45u16.to_le_bytes()); // version needed: 4.5
        out.extend_from_slice(&0u32.to_le_bytes()); // this disk
        out.extend_from_slice(&0u32.to_le_bytes()); // disk of the central directory
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&u64::from(central_size).to_le_bytes());
        out.extend_from_slice(&u64::from(central_offset).to_le_bytes());
        out.extend_from_slice(&0x0706_4b50u32.to_le_bytes()); // zip64 end locator
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&zip64_offset.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes()); // disks
    }
    let count16 = count16.unwrap_or(u16::MAX);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&count16.to_le_bytes());
    out.extend_from_slice(&count16.to_le_bytes());
    out.extend_from_slice(&central_size.to_le_bytes());
    out.extend_from_slice(&central_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    Ok(out)
}

/// CRC-32 (IEEE), as zip files use.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_of_known_text() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn same_files_same_bytes_and_unzip() {
        let a = tempfile::tempdir().expect("temp dir");
        let b = tempfile::tempdir().expect("temp dir");
        for dir in [a.path(), b.path()] {
            fs::create_dir_all(dir.join("lib")).expect("mkdir");
            fs::write(dir.join("index.js"), "exports.handler = async () => 1;\n").expect("write");
            fs::write(dir.join("lib/util.js"), "module.exports = {};\n").expect("write");
        }
        let za = zip_code(a.path()).expect("zips");
        assert_eq!(names(&za), ["index.js", "lib/util.js"]);
        let zb = zip_code(b.path()).expect("zips");
        assert_eq!(za, zb);
        // `unzip -l` reads it back, when the tool is there.
        let file = a.path().join("out.zip");
        fs::write(&file, &za).expect("write zip");
        if let Ok(out) = std::process::Command::new("unzip")
            .arg("-l")
            .arg(&file)
            .output()
        {
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(out.status.success(), "{text}");
            assert!(
                text.contains("index.js") && text.contains("lib/util.js"),
                "{text}"
            );
        }
    }

    /// The names in a zip's central directory, found from its end records as an unzip would
    /// (through the zip64 record when the classic one says 0xFFFF).
    fn names(zip: &[u8]) -> Vec<String> {
        let u16_at = |i: usize| u16::from_le_bytes([zip[i], zip[i + 1]]) as usize;
        let u32_at = |i: usize| u32::from_le_bytes(zip[i..i + 4].try_into().expect("4")) as usize;
        let u64_at = |i: usize| u64::from_le_bytes(zip[i..i + 8].try_into().expect("8")) as usize;
        let end = zip.len() - 22;
        assert_eq!(u32_at(end), 0x0605_4b50, "end of central directory");
        let (mut count, mut at) = (u16_at(end + 10), u32_at(end + 16));
        if count == 0xFFFF {
            let locator = end - 20;
            assert_eq!(u32_at(locator), 0x0706_4b50, "zip64 locator");
            let record = u64_at(locator + 8);
            assert_eq!(u32_at(record), 0x0606_4b50, "zip64 end record");
            count = u64_at(record + 32);
            at = u64_at(record + 48);
        }
        let mut out = Vec::with_capacity(count);
        for _ in 0..count {
            assert_eq!(u32_at(at), 0x0201_4b50, "central record at {at}");
            let name_len = u16_at(at + 28);
            let rest = name_len + u16_at(at + 30) + u16_at(at + 32);
            out.push(String::from_utf8(zip[at + 46..at + 46 + name_len].to_vec()).expect("utf-8"));
            at += 46 + rest;
        }
        out
    }

    #[cfg(unix)]
    #[test]
    fn a_linked_folder_is_zipped_as_the_plan_hashes_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let code = dir.path().join("code");
        fs::create_dir_all(code.join("vendor")).expect("mkdir");
        fs::write(code.join("index.js"), "exports.handler = 1;\n").expect("write");
        fs::write(code.join("vendor/util.js"), "module.exports = {};\n").expect("write");
        std::os::unix::fs::symlink(code.join("vendor"), code.join("lib")).expect("link");
        let zip = zip_code(&code).expect("zips");
        let walked: Vec<String> = code_files(&DiskFileSystem, &code)
            .expect("walks")
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        assert_eq!(names(&zip), ["index.js", "lib/util.js", "vendor/util.js"]);
        assert_eq!(names(&zip), walked);

        // A link out of the folder is refused by the zip as by the hash.
        fs::create_dir_all(dir.path().join("shared")).expect("mkdir");
        fs::write(dir.path().join("shared/secret.js"), "1;\n").expect("write");
        std::os::unix::fs::symlink(dir.path().join("shared"), code.join("out")).expect("link");
        let err = zip_code(&code).expect_err("refused");
        assert!(
            err.to_string().contains("`out` is a link to ")
                && err.to_string().contains("outside the folder"),
            "{err}"
        );
    }

    #[test]
    fn more_than_65535_entries_use_zip64_end_records() {
        let entries: Vec<Entry> = (0..70_000)
            .map(|i| Entry {
                name: format!("f/{i:05}.js"),
                mode: 0o644,
                data: Vec::new(),
            })
            .collect();
        let zip = write_zip(&entries).expect("zips");
        let listed = names(&zip);
        assert_eq!(listed.len(), 70_000);
        assert_eq!(listed[69_999], "f/69999.js");
        // Python's zipfile, when there, reads the same count.
        let file = tempfile::NamedTempFile::new().expect("temp file");
        fs::write(file.path(), &zip).expect("write zip");
        if let Ok(out) = std::process::Command::new("python3")
            .args([
                "-c",
                "import sys, zipfile; print(len(zipfile.ZipFile(sys.argv[1]).namelist()))",
            ])
            .arg(file.path())
            .output()
        {
            if out.status.success() {
                assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "70000");
            }
        }
    }

    #[test]
    fn code_over_lambdas_zip_limit_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let big = vec![b'x'; MAX_ZIP_BYTES as usize];
        fs::write(dir.path().join("big.bin"), &big).expect("write");
        let err = zip_code(dir.path()).expect_err("refused");
        assert!(err.to_string().contains("Lambda's 50 MB limit"), "{err}");
    }

    #[test]
    fn a_name_over_65535_bytes_is_an_error_not_a_wrap() {
        let entry = Entry {
            name: "a".repeat(70_000),
            mode: 0o644,
            data: b"x".to_vec(),
        };
        let err = write_zip(&[entry]).expect_err("refused");
        assert!(err.to_string().contains("65,535 bytes"), "{err}");
    }
}
