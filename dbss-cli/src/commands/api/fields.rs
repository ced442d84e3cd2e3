//! The fields of an operation's body, read from the OpenAPI document: what `dbss api OP --help`
//! lists, what `--skeleton` prints and which `--a.b VALUE` flags an operation takes.
//!
//! The document is the one `dbss-mock` embeds ([`dbss_mock::OPENAPI_DOCUMENT`]), so the binary
//! holds one copy. Its body schemas are plain: objects, arrays, scalars, `enum` and `$ref` to
//! components (no `allOf`/`oneOf`), which is all this walks.

use serde_json::{Map, Value};

use crate::exit::Failure;

/// How deep `$ref`s are followed: deeper than any body of the document, and a stop for a
/// schema that refers to itself.
const MAX_DEPTH: usize = 8;

/// What a field holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A string.
    String,
    /// A whole number.
    Integer,
    /// A number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// A list of plain values of this kind.
    List(Box<Kind>),
    /// A list of objects, whose fields are [`Field::items`].
    Records,
    /// An object without declared fields.
    Object,
}

impl Kind {
    /// The name `--help` shows.
    pub fn name(&self) -> String {
        match self {
            Kind::String => "string".into(),
            Kind::Integer => "integer".into(),
            Kind::Number => "number".into(),
            Kind::Boolean => "boolean".into(),
            Kind::List(item) => format!("list of {}", item.name()),
            Kind::Records => "list of objects".into(),
            Kind::Object => "object".into(),
        }
    }
}

/// One field of a body: a plain value, a list, or a list of objects (the fields of nested
/// objects are fields themselves, with a longer path).
#[derive(Clone, Debug)]
pub struct Field {
    /// The wire names from the body's root: `["database", "name"]`.
    pub path: Vec<String>,
    /// What it holds.
    pub kind: Kind,
    /// Whether its object must have it.
    pub required: bool,
    /// The nearest enclosing object that may be left out, when there is one: the field is
    /// required only when that object is given.
    pub optional_parent: Option<String>,
    /// The values an `enum` allows.
    pub values: Vec<String>,
    /// The document's description.
    pub description: String,
    /// For a list of objects: the fields of each item, their paths relative to the item.
    pub items: Vec<Field>,
}

impl Field {
    /// `database.name`.
    pub fn dotted(&self) -> String {
        self.path.join(".")
    }

    /// `string, required`, `integer, required with time`, `list of string`.
    pub fn summary(&self) -> String {
        let mut text = self.kind.name();
        match (self.required, &self.optional_parent) {
            (true, None) => text.push_str(", required"),
            (true, Some(parent)) => text.push_str(&format!(", required with {parent}")),
            (false, _) => {}
        }
        text
    }
}

/// The parsed OpenAPI document.
#[derive(Debug)]
pub struct Document(Value);

impl Document {
    /// Parses the embedded document.
    pub fn load() -> Result<Self, Failure> {
        serde_json::from_str(dbss_mock::OPENAPI_DOCUMENT)
            .map(Self)
            .map_err(|e| Failure::Other(format!("the embedded OpenAPI document is not JSON: {e}")))
    }

    fn component(&self, name: &str) -> Option<&Value> {
        self.0.get("components")?.get("schemas")?.get(name)
    }

    /// `schema`, or what its `$ref` names (siblings of a `$ref` are ignored, as OpenAPI 3.0
    /// says).
    fn resolve<'a>(&'a self, mut schema: &'a Value) -> &'a Value {
        for _ in 0..MAX_DEPTH {
            let Some(target) = schema.get("$ref").and_then(Value::as_str) else {
                break;
            };
            match target
                .strip_prefix("#/components/schemas/")
                .and_then(|name| self.component(name))
            {
                Some(found) => schema = found,
                None => break,
            }
        }
        schema
    }

    /// The fields of component schema `name` (a body), in document order.
    pub fn fields(&self, name: &str) -> Result<Vec<Field>, Failure> {
        let schema = self.component(name).ok_or_else(|| {
            Failure::Other(format!("the OpenAPI document has no schema {name:?}"))
        })?;
        let mut fields = Vec::new();
        self.walk(schema, &mut Vec::new(), None, &mut fields, 0);
        Ok(fields)
    }

    fn walk(
        &self,
        schema: &Value,
        path: &mut Vec<String>,
        optional_parent: Option<&str>,
        out: &mut Vec<Field>,
        depth: usize,
    ) {
        let schema = self.resolve(schema);
        let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
            return;
        };
        if depth > MAX_DEPTH {
            return;
        }
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for (name, property) in properties {
            path.push(name.clone());
            let is_required = required.contains(&name.as_str());
            let property = self.resolve(property);
            let description = text_of(property, "description");
            if property.get("properties").is_some() {
                // The fields of a nested object; it is their "optional parent" unless required.
                let dotted = path.join(".");
                let parent = if is_required {
                    optional_parent.map(str::to_owned)
                } else {
                    Some(dotted)
                };
                self.walk(property, path, parent.as_deref(), out, depth + 1);
            } else {
                let mut items = Vec::new();
                let kind = self.kind(property, &mut items, depth);
                out.push(Field {
                    path: path.clone(),
                    kind,
                    required: is_required,
                    optional_parent: optional_parent.map(str::to_owned),
                    values: enum_of(property),
                    description,
                    items,
                });
            }
            path.pop();
        }
    }

    fn kind(&self, schema: &Value, items: &mut Vec<Field>, depth: usize) -> Kind {
        match schema.get("type").and_then(Value::as_str) {
            Some("integer") => Kind::Integer,
            Some("number") => Kind::Number,
            Some("boolean") => Kind::Boolean,
            Some("array") => {
                let item = self.resolve(schema.get("items").unwrap_or(&Value::Null));
                if item.get("properties").is_some() {
                    self.walk(item, &mut Vec::new(), None, items, depth + 1);
                    Kind::Records
                } else {
                    let mut nested = Vec::new();
                    Kind::List(Box::new(self.kind(item, &mut nested, depth + 1)))
                }
            }
            Some("object") => Kind::Object,
            _ => Kind::String,
        }
    }

    /// A body of component schema `name` with every field, ready to edit: each value is the
    /// schema's default or example when it has one, else the first value of its `enum`, else
    /// an empty value of its type; a list holds one item.
    pub fn skeleton(&self, name: &str) -> Result<Value, Failure> {
        let schema = self.component(name).ok_or_else(|| {
            Failure::Other(format!("the OpenAPI document has no schema {name:?}"))
        })?;
        Ok(self.skeleton_of(schema, 0))
    }

    fn skeleton_of(&self, schema: &Value, depth: usize) -> Value {
        let schema = self.resolve(schema);
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            let mut object = Map::new();
            if depth <= MAX_DEPTH {
                for (name, property) in properties {
                    object.insert(name.clone(), self.skeleton_of(property, depth + 1));
                }
            }
            return Value::Object(object);
        }
        for keyword in ["default", "example"] {
            if let Some(value) = schema.get(keyword) {
                return value.clone();
            }
        }
        if let Some(first) = schema
            .get("enum")
            .and_then(Value::as_array)
            .and_then(|e| e.first())
        {
            return first.clone();
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("integer" | "number") => Value::from(0),
            Some("boolean") => Value::Bool(false),
            Some("array") if depth <= MAX_DEPTH => Value::Array(vec![
                self.skeleton_of(schema.get("items").unwrap_or(&Value::Null), depth + 1),
            ]),
            Some("array") => Value::Array(Vec::new()),
            Some("object") => Value::Object(Map::new()),
            _ => Value::String(String::new()),
        }
    }
}

fn text_of(schema: &Value, keyword: &str) -> String {
    schema
        .get(keyword)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim()
        .to_owned()
}

fn enum_of(schema: &Value) -> Vec<String> {
    schema
        .get("enum")
        .and_then(Value::as_array)
        .map(|values| {
            values
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document() -> Document {
        Document::load().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn nested_fields_are_dotted_with_their_type_requirement_and_values() {
        let fields = document()
            .fields("CreateDatabaseRequest")
            .unwrap_or_else(|e| panic!("{e}"));
        let charset = fields
            .iter()
            .find(|f| f.dotted() == "database.charset")
            .unwrap_or_else(|| panic!("{fields:#?}"));
        assert_eq!(charset.kind, Kind::String);
        assert!(charset.required);
        assert_eq!(charset.optional_parent, None);
        assert_eq!(charset.values, ["GBK", "UTF8"]);
        assert!(charset.description.starts_with("Character set"));
        let instance_name = fields
            .iter()
            .find(|f| f.dotted() == "database.instance_name");
        assert!(instance_name.is_some_and(|f| !f.required));
    }

    #[test]
    fn the_skeleton_holds_every_field() {
        let doc = document();
        let skeleton = doc
            .skeleton("CreateDatabaseRequest")
            .unwrap_or_else(|e| panic!("{e}"));
        for field in doc
            .fields("CreateDatabaseRequest")
            .unwrap_or_else(|e| panic!("{e}"))
        {
            let pointer = format!("/{}", field.path.join("/"));
            assert!(
                skeleton.pointer(&pointer).is_some(),
                "{pointer}: {skeleton}"
            );
        }
        assert_eq!(skeleton["database"]["charset"], "GBK");
    }
}
