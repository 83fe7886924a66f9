//! Installed packages from RPM's database, read from its file: `rpmdb.sqlite` (rpm ≥ 4.16,
//! the format of Fedora 33+, RHEL 9 and UBI 9) is read with [`super::sqlite`]; each row of its
//! `Packages` table is one package's header blob, from which the name, epoch, version and
//! release are taken. The Berkeley DB (`Packages`, RHEL ≤ 8) and NDB (`Packages.db`, SUSE)
//! formats are recognised and refused by name.

use super::package::Package;
use super::sqlite::{Database, Value};

/// Where rpm keeps its database, newest layout first (`/var/lib/rpm` is often a symlink to it).
pub(crate) const RPMDB_DIRS: [&str; 2] = ["/usr/lib/sysimage/rpm", "/var/lib/rpm"];

/// The database formats rpm has used, by file name.
pub(crate) const SQLITE_FILE: &str = "rpmdb.sqlite";
pub(crate) const BDB_FILE: &str = "Packages";
pub(crate) const NDB_FILE: &str = "Packages.db";

const TAG_NAME: i32 = 1000;
const TAG_VERSION: i32 = 1001;
const TAG_RELEASE: i32 = 1002;
const TAG_EPOCH: i32 = 1003;
const TYPE_INT32: i32 = 4;
const TYPE_STRING: i32 = 6;

/// The packages of an `rpmdb.sqlite` file, sorted by name; the version is rpm's
/// `%{EVR}`: `[epoch:]version-release`.
pub(crate) fn parse_rpmdb_sqlite(bytes: &[u8]) -> Result<Vec<Package>, String> {
    let db = Database::open(bytes).map_err(|e| e.0)?;
    let rows = db.table("Packages").map_err(|e| e.0)?;
    let mut out = Vec::with_capacity(rows.len());
    for (rowid, row) in rows {
        let Some(Value::Blob(blob)) = row.iter().find(|v| matches!(v, Value::Blob(_))) else {
            return Err(format!("package row {rowid} has no header blob"));
        };
        out.push(package(blob).map_err(|e| format!("package row {rowid}: {e}"))?);
    }
    out.sort_by(|a, b| a.name.cmp(&b.name).then(a.version.cmp(&b.version)));
    Ok(out)
}

/// One header blob: `il` index entries of (tag, type, offset, count), then `dl` bytes of data.
fn package(blob: &[u8]) -> Result<Package, String> {
    let be = |at: usize| -> Result<i32, String> {
        blob.get(at..at + 4)
            .map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or_else(|| "the header is truncated".to_string())
    };
    let (il, dl) = (be(0)?, be(4)?);
    if il < 0 || dl < 0 || 8 + il as usize * 16 + dl as usize > blob.len() {
        return Err(format!(
            "the header's sizes ({il} entries, {dl} data bytes) do not fit its {} bytes",
            blob.len()
        ));
    }
    let data = &blob[8 + il as usize * 16..][..dl as usize];
    let mut fields: [Option<String>; 4] = Default::default();
    for i in 0..il as usize {
        let at = 8 + i * 16;
        let (tag, kind, offset) = (be(at)?, be(at + 4)?, be(at + 8)?);
        let slot = match tag {
            TAG_NAME => 0,
            TAG_VERSION => 1,
            TAG_RELEASE => 2,
            TAG_EPOCH => 3,
            _ => continue,
        };
        let Some(value) = usize::try_from(offset).ok().and_then(|o| data.get(o..)) else {
            return Err(format!("tag {tag} points outside the header's data"));
        };
        fields[slot] = Some(match kind {
            TYPE_STRING => {
                let end = value.iter().position(|&b| b == 0).unwrap_or(value.len());
                String::from_utf8_lossy(&value[..end]).into_owned()
            }
            TYPE_INT32 if value.len() >= 4 => {
                u32::from_be_bytes([value[0], value[1], value[2], value[3]]).to_string()
            }
            other => return Err(format!("tag {tag} has the unexpected type {other}")),
        });
    }
    let [name, version, release, epoch] = fields;
    let (Some(name), Some(version)) = (name, version) else {
        return Err("the header has no name or no version".to_string());
    };
    let mut evr = match epoch {
        Some(epoch) => format!("{epoch}:{version}"),
        None => version,
    };
    if let Some(release) = release {
        evr = format!("{evr}-{release}");
    }
    Ok(Package { name, version: evr })
}

#[cfg(test)]
mod should {
    use super::*;

    fn header(entries: &[(i32, i32, &[u8])]) -> Vec<u8> {
        let (mut index, mut data) = (Vec::new(), Vec::new());
        for (tag, kind, value) in entries {
            for n in [*tag, *kind, data.len() as i32, 1] {
                index.extend_from_slice(&n.to_be_bytes());
            }
            data.extend_from_slice(value);
        }
        let mut out = (entries.len() as i32).to_be_bytes().to_vec();
        out.extend_from_slice(&(data.len() as i32).to_be_bytes());
        out.extend(index);
        out.extend(data);
        out
    }

    #[test]
    fn read_name_and_evr_from_a_header() {
        let blob = header(&[
            (TAG_NAME, TYPE_STRING, b"hello\0"),
            (TAG_VERSION, TYPE_STRING, b"1.2.3\0"),
            (TAG_RELEASE, TYPE_STRING, b"4.fc39\0"),
            (TAG_EPOCH, TYPE_INT32, &2u32.to_be_bytes()),
        ]);
        assert_eq!(
            package(&blob).unwrap(),
            Package {
                name: "hello".into(),
                version: "2:1.2.3-4.fc39".into()
            }
        );
        let no_epoch = header(&[
            (TAG_NAME, TYPE_STRING, b"bash\0"),
            (TAG_VERSION, TYPE_STRING, b"5.1.8\0"),
            (TAG_RELEASE, TYPE_STRING, b"9.el9\0"),
        ]);
        assert_eq!(package(&no_epoch).unwrap().version, "5.1.8-9.el9");
    }

    #[test]
    fn refuse_damaged_headers() {
        assert_eq!(package(&[0, 0]).unwrap_err(), "the header is truncated");
        let mut blob = header(&[(TAG_NAME, TYPE_STRING, b"x\0")]);
        blob.truncate(blob.len() - 1);
        assert!(package(&blob).unwrap_err().contains("do not fit"));
        let nameless = header(&[(TAG_VERSION, TYPE_STRING, b"1\0")]);
        assert_eq!(
            package(&nameless).unwrap_err(),
            "the header has no name or no version"
        );
        assert!(parse_rpmdb_sqlite(b"garbage")
            .unwrap_err()
            .contains("not an SQLite"));
    }
}
