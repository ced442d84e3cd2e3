//! Open enums: string enums that accept values this version of the SDK does not know.
//!
//! The service adds enum values without notice (a new report type, a new instance status). A
//! closed enum would turn such a value into a decode error for the whole response, so a list of
//! fifty reports would fail because of one. Every enum that the service *returns* is therefore
//! open: known values decode to their variant, anything else to `Unknown(String)`, kept verbatim
//! and written back unchanged. The values themselves come from `openapi/dbss.json`; `cargo xtask
//! generate` emits one `open_enum!` invocation per enum.

/// Defines an open string enum. Used by the generated code only.
#[doc(hidden)]
#[macro_export]
macro_rules! __open_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $value:literal,)+ }) => {
        $(#[$meta])*
        ///
        /// Open enum: a value this version does not know decodes as
        #[doc = concat!("[`", stringify!($name), "::Unknown`]")]
        /// instead of failing the whole response.
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $(
                #[doc = concat!("`", $value, "`")]
                $variant,
            )+
            /// A value this version of the SDK does not know, kept verbatim.
            Unknown(::std::string::String),
        }

        impl $name {
            /// The values the API reference documents, in document order.
            pub const KNOWN: &'static [&'static str] = &[$($value),+];

            /// The value as it is sent and received.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $value,)+
                    Self::Unknown(value) => value.as_str(),
                }
            }

            /// Whether the value is one the API reference documents.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Unknown(_))
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $($value => Self::$variant,)+
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl ::std::convert::From<::std::string::String> for $name {
            fn from(value: ::std::string::String) -> Self {
                match value.as_str() {
                    $($value => Self::$variant,)+
                    _ => Self::Unknown(value),
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                <::std::string::String as ::serde::Deserialize>::deserialize(deserializer)
                    .map(Self::from)
            }
        }

        impl ::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                ::std::borrow::Cow::Borrowed(stringify!($name))
            }

            fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                ::schemars::json_schema!({
                    "type": "string",
                    "enum": [$($value),+],
                })
            }
        }
    };
}

pub use crate::__open_enum as open_enum;
