//! Just enough of the SQLite file format to read one table's rows, for RPM's `rpmdb.sqlite`:
//! the database header, table B-trees (interior and leaf pages), overflow chains and the record
//! format. Read-only, from the bytes of the file; no SQL, no indexes, no write-ahead log (a
//! database that still has one is refused by the caller).
//!
//! The format is the one documented at <https://www.sqlite.org/fileformat2.html>.

use std::collections::HashSet;

/// Why a file could not be read as an SQLite database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SqliteError(pub(crate) String);

type Result<T> = std::result::Result<T, SqliteError>;

fn bad<T>(why: impl Into<String>) -> Result<T> {
    Err(SqliteError(why.into()))
}

/// One column's value in a row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// An SQLite database file held in memory.
pub(crate) struct Database<'a> {
    bytes: &'a [u8],
    page_size: usize,
    usable: usize,
}

const MAGIC: &[u8] = b"SQLite format 3\0";
const INTERIOR_TABLE: u8 = 0x05;
const LEAF_TABLE: u8 = 0x0d;

impl<'a> Database<'a> {
    pub(crate) fn open(bytes: &'a [u8]) -> Result<Database<'a>> {
        if bytes.len() < 100 || &bytes[..16] != MAGIC {
            return bad("not an SQLite 3 database (no `SQLite format 3` header)");
        }
        let page_size = match u16::from_be_bytes([bytes[16], bytes[17]]) {
            1 => 65536,
            n if n >= 512 && n.is_power_of_two() => n as usize,
            n => return bad(format!("invalid page size {n}")),
        };
        let usable = page_size - bytes[20] as usize;
        let encoding = u32::from_be_bytes([bytes[56], bytes[57], bytes[58], bytes[59]]);
        if encoding > 1 {
            return bad(format!("text encoding {encoding} is not UTF-8"));
        }
        Ok(Database {
            bytes,
            page_size,
            usable,
        })
    }

    fn page(&self, number: u32) -> Result<&'a [u8]> {
        let start = (number as usize)
            .checked_sub(1)
            .map(|n| n * self.page_size)
            .filter(|s| s + self.page_size <= self.bytes.len());
        match start {
            Some(s) => Ok(&self.bytes[s..s + self.page_size]),
            None => bad(format!(
                "page {number} is outside the file ({} bytes): truncated?",
                self.bytes.len()
            )),
        }
    }

    /// The rows of the table named `name` (case-insensitive), each with its rowid.
    pub(crate) fn table(&self, name: &str) -> Result<Vec<(i64, Vec<Value>)>> {
        let schema = self.rows(1)?;
        let root = schema.iter().find_map(|(_, row)| match row.as_slice() {
            [Value::Text(kind), Value::Text(n), _, Value::Integer(root), ..]
                if kind == "table" && n.eq_ignore_ascii_case(name) =>
            {
                Some(*root)
            }
            _ => None,
        });
        match root {
            Some(root) if root > 0 && root <= u32::MAX as i64 => self.rows(root as u32),
            Some(root) => bad(format!("table `{name}` has an invalid root page {root}")),
            None => bad(format!("the database has no table `{name}`")),
        }
    }

    /// Every row of the table B-tree rooted at `root`, in rowid order.
    fn rows(&self, root: u32) -> Result<Vec<(i64, Vec<Value>)>> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        self.walk(root, &mut out, &mut seen)?;
        Ok(out)
    }

    fn walk(
        &self,
        number: u32,
        out: &mut Vec<(i64, Vec<Value>)>,
        seen: &mut HashSet<u32>,
    ) -> Result<()> {
        if !seen.insert(number) {
            return bad(format!(
                "page {number} is reached twice: the B-tree has a loop"
            ));
        }
        let page = self.page(number)?;
        let header = if number == 1 { 100 } else { 0 };
        let kind = page[header];
        let cells = u16::from_be_bytes([page[header + 3], page[header + 4]]) as usize;
        let pointers = header + if kind == INTERIOR_TABLE { 12 } else { 8 };
        let cell_at = |i: usize| -> Result<usize> {
            let at = pointers + 2 * i;
            match page.get(at..at + 2) {
                Some(p) => Ok(u16::from_be_bytes([p[0], p[1]]) as usize),
                None => bad(format!(
                    "page {number}: cell pointer {i} is outside the page"
                )),
            }
        };
        match kind {
            INTERIOR_TABLE => {
                for i in 0..cells {
                    let at = cell_at(i)?;
                    self.walk(read_u32(page, at)?, out, seen)?;
                }
                self.walk(read_u32(page, header + 8)?, out, seen)
            }
            LEAF_TABLE => {
                for i in 0..cells {
                    let mut at = cell_at(i)?;
                    let size = varint(page, &mut at)? as usize;
                    let rowid = varint(page, &mut at)?;
                    let payload = self.payload(page, at, size)?;
                    out.push((rowid, record(&payload)?));
                }
                Ok(())
            }
            other => bad(format!(
                "page {number} has type {other:#04x}, not a table page"
            )),
        }
    }

    /// A leaf cell's payload of `size` bytes starting at `at`, with its overflow pages.
    fn payload(&self, page: &[u8], at: usize, size: usize) -> Result<Vec<u8>> {
        let u = self.usable;
        let max_local = u - 35;
        let local = if size <= max_local {
            size
        } else {
            let min_local = (u - 12) * 32 / 255 - 23;
            let k = min_local + (size - min_local) % (u - 4);
            if k <= max_local {
                k
            } else {
                min_local
            }
        };
        let Some(first) = page.get(at..at + local) else {
            return bad("a cell's payload runs past its page");
        };
        let mut out = Vec::with_capacity(size);
        out.extend_from_slice(first);
        let mut next = if local < size {
            read_u32(page, at + local)?
        } else {
            0
        };
        let mut hops = 0usize;
        while out.len() < size {
            if next == 0 || hops > self.bytes.len() / self.page_size {
                return bad("an overflow chain ends before its payload does");
            }
            let overflow = self.page(next)?;
            let take = (size - out.len()).min(u - 4);
            out.extend_from_slice(&overflow[4..4 + take]);
            next = read_u32(overflow, 0)?;
            hops += 1;
        }
        Ok(out)
    }
}

fn read_u32(page: &[u8], at: usize) -> Result<u32> {
    match page.get(at..at + 4) {
        Some(b) => Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]])),
        None => bad("a page number runs past its page"),
    }
}

/// SQLite's variable-length integer: 1 to 9 bytes, big-endian, 7 bits a byte (8 in the 9th).
fn varint(bytes: &[u8], at: &mut usize) -> Result<i64> {
    let mut value: u64 = 0;
    for i in 0..9 {
        let Some(&b) = bytes.get(*at) else {
            return bad("a varint runs past the end of its page");
        };
        *at += 1;
        if i == 8 {
            return Ok(((value << 8) | b as u64) as i64);
        }
        value = (value << 7) | (b & 0x7f) as u64;
        if b & 0x80 == 0 {
            break;
        }
    }
    Ok(value as i64)
}

/// A record: a header of serial types, then the values.
fn record(payload: &[u8]) -> Result<Vec<Value>> {
    let mut at = 0;
    let header_len = varint(payload, &mut at)? as usize;
    if header_len > payload.len() {
        return bad("a record's header is longer than the record");
    }
    let mut types = Vec::new();
    while at < header_len {
        types.push(varint(&payload[..header_len], &mut at)?);
    }
    let mut body = header_len;
    let mut take = |n: usize| -> Result<&[u8]> {
        let slice = payload.get(body..body + n);
        body += n;
        slice.map_or_else(|| bad("a record's value runs past the record"), Ok)
    };
    let int = |b: &[u8]| -> i64 {
        let mut v: i64 = if b.first().is_some_and(|f| f & 0x80 != 0) {
            -1
        } else {
            0
        };
        for &x in b {
            v = (v << 8) | x as i64;
        }
        v
    };
    types
        .into_iter()
        .map(|t| {
            Ok(match t {
                0 => Value::Null,
                1..=4 => Value::Integer(int(take(t as usize)?)),
                5 => Value::Integer(int(take(6)?)),
                6 => Value::Integer(int(take(8)?)),
                7 => {
                    let b = take(8)?;
                    Value::Real(f64::from_be_bytes(b.try_into().unwrap_or([0; 8])))
                }
                8 => Value::Integer(0),
                9 => Value::Integer(1),
                n if n >= 12 && n % 2 == 0 => Value::Blob(take((n as usize - 12) / 2)?.to_vec()),
                n if n >= 13 => {
                    Value::Text(String::from_utf8_lossy(take((n as usize - 13) / 2)?).into_owned())
                }
                n => return bad(format!("a record has the reserved serial type {n}")),
            })
        })
        .collect()
}

#[cfg(test)]
mod should {
    use super::*;

    #[test]
    fn read_varints_of_every_length() {
        let mut at = 0;
        assert_eq!(varint(&[0x05], &mut at), Ok(5));
        let mut at = 0;
        assert_eq!(varint(&[0x81, 0x00], &mut at), Ok(128));
        assert_eq!(at, 2);
        let mut at = 0;
        assert_eq!(varint(&[0xff; 9], &mut at), Ok(-1));
        assert_eq!(at, 9);
        let mut at = 0;
        assert!(varint(&[0x81], &mut at).is_err());
    }

    #[test]
    fn decode_records_of_each_serial_type() {
        // header: len 6; types NULL, int8, text(3), blob(2), const 1
        let payload = [6, 0, 1, 19, 16, 9, 0xfe, b'a', b'b', b'c', 1, 2];
        assert_eq!(
            record(&payload).unwrap(),
            vec![
                Value::Null,
                Value::Integer(-2),
                Value::Text("abc".into()),
                Value::Blob(vec![1, 2]),
                Value::Integer(1),
            ]
        );
        assert!(record(&[3, 13, 1]).is_err(), "a value past the end");
    }

    #[test]
    fn refuse_what_is_not_sqlite() {
        assert!(Database::open(b"not a database").is_err());
        let mut header = [0u8; 100];
        header[..16].copy_from_slice(MAGIC);
        header[16..18].copy_from_slice(&1000u16.to_be_bytes());
        let err = Database::open(&header).err().unwrap();
        assert_eq!(err.0, "invalid page size 1000");
    }
}
