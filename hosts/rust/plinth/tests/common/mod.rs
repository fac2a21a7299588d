//! Test helpers with no dependencies: a minimal JSON reader (enough for
//! expected_generations.json, case.json and safetensors headers) and a safetensors reader.
#![allow(dead_code)]
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>), // in file order
}

impl Json {
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    pub fn num(&self) -> f64 {
        match self {
            Json::Num(n) => *n,
            _ => panic!("not a number: {:?}", self),
        }
    }
    pub fn str(&self) -> &str {
        match self {
            Json::Str(s) => s,
            _ => panic!("not a string: {:?}", self),
        }
    }
    pub fn arr(&self) -> &[Json] {
        match self {
            Json::Arr(a) => a,
            _ => panic!("not an array: {:?}", self),
        }
    }
    pub fn obj(&self) -> &[(String, Json)] {
        match self {
            Json::Obj(o) => o,
            _ => panic!("not an object: {:?}", self),
        }
    }
}

pub fn parse_json(text: &str) -> Json {
    let mut p = Parser { s: text.as_bytes(), i: 0 };
    let v = p.value();
    p.ws();
    assert_eq!(p.i, p.s.len(), "trailing characters in JSON");
    v
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Parser<'a> {
    fn ws(&mut self) {
        while self.i < self.s.len() && (self.s[self.i] as char).is_ascii_whitespace() {
            self.i += 1;
        }
    }
    fn eat(&mut self, c: u8) {
        self.ws();
        assert_eq!(self.s[self.i], c, "JSON: expected '{}' at {}", c as char, self.i);
        self.i += 1;
    }
    fn value(&mut self) -> Json {
        self.ws();
        match self.s[self.i] {
            b'{' => {
                self.i += 1;
                let mut m = Vec::new();
                self.ws();
                if self.s[self.i] == b'}' {
                    self.i += 1;
                    return Json::Obj(m);
                }
                loop {
                    self.ws();
                    let k = self.string();
                    self.eat(b':');
                    m.push((k, self.value()));
                    self.ws();
                    self.i += 1;
                    if self.s[self.i - 1] == b'}' {
                        return Json::Obj(m);
                    }
                }
            }
            b'[' => {
                self.i += 1;
                let mut a = Vec::new();
                self.ws();
                if self.s[self.i] == b']' {
                    self.i += 1;
                    return Json::Arr(a);
                }
                loop {
                    a.push(self.value());
                    self.ws();
                    self.i += 1;
                    if self.s[self.i - 1] == b']' {
                        return Json::Arr(a);
                    }
                }
            }
            b'"' => Json::Str(self.string()),
            b't' => self.word("true", Json::Bool(true)),
            b'f' => self.word("false", Json::Bool(false)),
            b'n' => self.word("null", Json::Null),
            _ => {
                let start = self.i;
                while self.i < self.s.len() && b"+-0123456789.eE".contains(&self.s[self.i]) {
                    self.i += 1;
                }
                let t = std::str::from_utf8(&self.s[start..self.i]).unwrap();
                Json::Num(t.parse().unwrap_or_else(|_| panic!("JSON: bad number {:?}", t)))
            }
        }
    }
    fn word(&mut self, w: &str, v: Json) -> Json {
        assert!(self.s[self.i..].starts_with(w.as_bytes()));
        self.i += w.len();
        v
    }
    fn string(&mut self) -> String {
        assert_eq!(self.s[self.i], b'"');
        self.i += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let c = self.s[self.i];
            self.i += 1;
            match c {
                b'"' => return String::from_utf8(out).expect("JSON string is not UTF-8"),
                b'\\' => {
                    let e = self.s[self.i];
                    self.i += 1;
                    let ch = match e {
                        b'n' => '\n',
                        b't' => '\t',
                        b'r' => '\r',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'u' => self.unicode_escape(),
                        other => other as char, // \" \\ \/
                    };
                    let mut tmp = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut tmp).as_bytes());
                }
                _ => out.push(c),
            }
        }
    }
    fn hex4(&mut self) -> u32 {
        let h = std::str::from_utf8(&self.s[self.i..self.i + 4]).unwrap();
        self.i += 4;
        u32::from_str_radix(h, 16).expect("JSON: bad \\u escape")
    }
    fn unicode_escape(&mut self) -> char {
        let hi = self.hex4();
        if (0xD800..0xDC00).contains(&hi) {
            // A surrogate pair: \uD8xx\uDCxx
            self.i += 2;
            let lo = self.hex4();
            return char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)).unwrap();
        }
        char::from_u32(hi).unwrap_or('\u{fffd}')
    }
}

/// A safetensors tensor as f64 values (F32 or I64 data), with its shape.
pub struct StTensor {
    pub shape: Vec<i64>,
    pub values: Vec<f64>,
    pub ints: Vec<i64>,
}

pub fn read_safetensors(path: &Path) -> BTreeMap<String, StTensor> {
    let blob = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {}", path.display(), e));
    let n = u64::from_le_bytes(blob[..8].try_into().unwrap()) as usize;
    let header = parse_json(std::str::from_utf8(&blob[8..8 + n]).unwrap());
    let data = &blob[8 + n..];
    let mut out = BTreeMap::new();
    for (name, meta) in header.obj() {
        if name == "__metadata__" {
            continue;
        }
        let shape: Vec<i64> = meta.get("shape").unwrap().arr().iter().map(|d| d.num() as i64).collect();
        let off = meta.get("data_offsets").unwrap().arr();
        let bytes = &data[off[0].num() as usize..off[1].num() as usize];
        let (values, ints) = match meta.get("dtype").unwrap().str() {
            "F32" => (bytes.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap()) as f64).collect(), vec![]),
            "I64" => {
                let ints: Vec<i64> = bytes.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().unwrap())).collect();
                (ints.iter().map(|&v| v as f64).collect(), ints)
            }
            other => panic!("{}: dtype {} not handled by the test reader", name, other),
        };
        out.insert(name.clone(), StTensor { shape, values, ints });
    }
    out
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

/// From the CTest entry's environment, else relative to the repository.
pub fn demo_model_dir() -> PathBuf {
    std::env::var_os("PLINTH_DEMO_MODEL_DIR").map(PathBuf::from).unwrap_or_else(|| repo_root().join("models/license-mistral"))
}

pub fn golden_dir() -> PathBuf {
    std::env::var_os("PLINTH_GOLDEN_DIR").map(PathBuf::from).unwrap_or_else(|| repo_root().join("tests/data/golden"))
}
