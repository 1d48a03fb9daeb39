//! JSON <-> Python objects, directly (no intermediate `serde_json::Value` for bodies).
//!
//! - [`to_py`] decodes bytes straight into dicts/lists/ints/floats/str/None, keeping the
//!   server's key order; integers that fit in 64 bits (every Procore id) stay exact.
//! - [`value_to_py`] converts an already parsed `serde_json::Value` (pages, error bodies).
//! - [`to_vec`] serializes a Python object (dict, list, tuple, str, int, float, bool, None)
//!   to JSON bytes, keeping dict order; anything else is a `TypeError`.

use std::fmt;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::ser::{self, Serialize, SerializeMap, SerializeSeq};
use serde_json::Value;

/// Decodes JSON bytes into Python objects. Whitespace-only bodies decode as `None`.
pub fn to_py<'py>(py: Python<'py>, bytes: &[u8]) -> Result<Bound<'py, PyAny>, serde_json::Error> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(py.None().into_bound(py));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let v = PySeed(py).deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

#[derive(Clone, Copy)]
struct PySeed<'py>(Python<'py>);

impl<'de, 'py> DeserializeSeed<'de> for PySeed<'py> {
    type Value = Bound<'py, PyAny>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

fn py_err<E: de::Error>(e: PyErr) -> E {
    E::custom(e.to_string())
}

impl<'de, 'py> Visitor<'de> for PySeed<'py> {
    type Value = Bound<'py, PyAny>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("JSON")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.0.None().into_bound(self.0))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.visit_unit()
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(PyBool::new(self.0, v).to_owned().into_any())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(PyInt::new(self.0, v).into_any())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(PyInt::new(self.0, v).into_any())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(PyFloat::new(self.0, v).into_any())
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(PyString::new(self.0, v).into_any())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let list = PyList::empty(self.0);
        while let Some(item) = seq.next_element_seed(self)? {
            list.append(item).map_err(py_err)?;
        }
        Ok(list.into_any())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let dict = PyDict::new(self.0);
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let value = map.next_value_seed(self)?;
            dict.set_item(key.as_ref(), value).map_err(py_err)?;
        }
        Ok(dict.into_any())
    }
}

/// Converts a parsed JSON value into Python objects.
pub fn value_to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                PyInt::new(py, i).into_any()
            } else if let Some(u) = n.as_u64() {
                PyInt::new(py, u).into_any()
            } else {
                PyFloat::new(py, n.as_f64().unwrap_or(f64::NAN)).into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(value_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, item) in map {
                dict.set_item(k, value_to_py(py, item)?)?;
            }
            dict.into_any()
        }
    })
}

/// Serializes a Python object to JSON bytes (dict order kept). `TypeError` for types JSON
/// has no form for, `ValueError` for NaN/infinity and integers beyond 64 bits.
pub fn to_vec(obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    serde_json::to_vec(&PyJson(obj, 0)).map_err(|e| {
        let msg = e.to_string();
        if msg.starts_with("ValueError: ") {
            PyValueError::new_err(msg.trim_start_matches("ValueError: ").to_owned())
        } else {
            PyTypeError::new_err(msg.trim_start_matches("TypeError: ").to_owned())
        }
    })
}

const MAX_DEPTH: usize = 256;

struct PyJson<'a, 'py>(&'a Bound<'py, PyAny>, usize);

impl Serialize for PyJson<'_, '_> {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (obj, depth) = (self.0, self.1);
        if depth > MAX_DEPTH {
            return Err(ser::Error::custom(
                "ValueError: JSON body nested too deeply",
            ));
        }
        if obj.is_none() {
            return s.serialize_unit();
        }
        if let Ok(b) = obj.cast::<PyBool>() {
            return s.serialize_bool(b.is_true());
        }
        if let Ok(text) = obj.cast::<PyString>() {
            let t = text.to_cow().map_err(ser::Error::custom)?;
            return s.serialize_str(&t);
        }
        if obj.is_instance_of::<PyInt>() {
            if let Ok(i) = obj.extract::<i64>() {
                return s.serialize_i64(i);
            }
            if let Ok(u) = obj.extract::<u64>() {
                return s.serialize_u64(u);
            }
            return Err(ser::Error::custom(
                "ValueError: integer out of the 64-bit range JSON bodies support",
            ));
        }
        if let Ok(f) = obj.cast::<PyFloat>() {
            let v = f.value();
            if !v.is_finite() {
                return Err(ser::Error::custom(
                    "ValueError: NaN and infinity are not valid JSON",
                ));
            }
            return s.serialize_f64(v);
        }
        if let Ok(d) = obj.cast::<PyDict>() {
            let mut m = s.serialize_map(Some(d.len()))?;
            for (k, v) in d.iter() {
                let key = k.cast::<PyString>().map_err(|_| {
                    ser::Error::custom(format!(
                        "TypeError: JSON object keys must be str, not {}",
                        type_name(&k)
                    ))
                })?;
                let key = key.to_cow().map_err(ser::Error::custom)?;
                m.serialize_entry(key.as_ref(), &PyJson(&v, depth + 1))?;
            }
            return m.end();
        }
        if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
            let len = obj.len().map_err(ser::Error::custom)?;
            let mut seq = s.serialize_seq(Some(len))?;
            for item in obj.try_iter().map_err(ser::Error::custom)? {
                let item = item.map_err(ser::Error::custom)?;
                seq.serialize_element(&PyJson(&item, depth + 1))?;
            }
            return seq.end();
        }
        Err(ser::Error::custom(format!(
            "TypeError: Object of type {} is not JSON serializable",
            type_name(obj)
        )))
    }
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into())
}
