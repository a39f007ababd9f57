//! String enums: unit variants named after their values, plus `Unknown(String)` on enums that are received.

use proc_macro2::TokenStream;
use quote::quote;

use super::doc_attrs;
use crate::docs;
use crate::ir::StringEnum;

pub(super) fn string_enum(string_enum: &StringEnum) -> TokenStream {
    let name = &string_enum.name;
    let open = string_enum.usage.is_received();
    let doc = if open {
        format!(
            "{}\n\nA value this version of the client does not know decodes as `{}` and encodes back unchanged.",
            string_enum.doc, string_enum.unknown_variant
        )
    } else {
        string_enum.doc.clone()
    };
    let doc = doc_attrs(&doc);
    let variants = string_enum.values.iter().map(|value| {
        let variant = &value.variant;
        let wire = &value.wire;
        let doc = doc_attrs(&format!("{}.", docs::code_span(wire)));
        quote!(#doc #[serde(rename = #wire)] #variant,)
    });
    let arms = string_enum.values.iter().map(|value| {
        let variant = &value.variant;
        let wire = &value.wire;
        quote!(Self::#variant => #wire,)
    });
    let unknown_variant = &string_enum.unknown_variant;
    let (derives, unknown, unknown_arm, as_str_ty) = if open {
        (
            quote!(#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]),
            quote! {
                #[doc = " A value not listed in the spec this client was generated from."]
                #[serde(untagged)]
                #unknown_variant(String),
            },
            quote!(Self::#unknown_variant(value) => value,),
            quote!(&str),
        )
    } else {
        (
            quote!(#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]),
            TokenStream::new(),
            TokenStream::new(),
            quote!(&'static str),
        )
    };
    // A spec update may add a value to any enum: `non_exhaustive` keeps that from breaking downstream
    // `match`es, which is what the API-surface report promises (an added value is additive).
    quote! {
        #doc
        #derives
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            #unknown
        }
        impl #name {
            #[doc = " The value as sent on the wire."]
            pub fn as_str(&self) -> #as_str_ty {
                match self {
                    #(#arms)*
                    #unknown_arm
                }
            }
        }
        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{EnumValue, Usage};
    use crate::names::camel;

    fn subtype(usage: Usage) -> StringEnum {
        let value = |wire: &str| EnumValue { variant: camel(wire).unwrap(), wire: wire.to_owned() };
        StringEnum {
            name: camel("TaskSubtype").unwrap(),
            doc: "Kind of task.".to_owned(),
            usage,
            values: vec![value("default_task"), value("milestone")],
            unknown_variant: camel("Unknown").unwrap(),
        }
    }

    #[test]
    fn received_enums_keep_unknown_values() {
        let tokens = string_enum(&subtype(Usage::Response)).to_string();
        assert!(tokens.contains("# [serde (untagged)] Unknown (String)"), "{tokens}");
        assert!(tokens.contains("Self :: Unknown (value) => value"), "{tokens}");
        assert!(tokens.contains("# [serde (rename = \"default_task\")] DefaultTask"), "{tokens}");
        assert!(string_enum(&subtype(Usage::Both)).to_string().contains("Unknown (String)"));
    }

    #[test]
    fn every_enum_may_grow_without_breaking_matches() {
        for usage in [Usage::Request, Usage::Response, Usage::Both] {
            let tokens = string_enum(&subtype(usage)).to_string();
            assert!(tokens.contains("# [non_exhaustive] pub enum TaskSubtype"), "{tokens}");
        }
    }

    #[test]
    fn sent_only_enums_are_closed_and_copy() {
        let tokens = string_enum(&subtype(Usage::Request)).to_string();
        assert!(!tokens.contains("Unknown"), "{tokens}");
        assert!(tokens.contains("Copy"), "{tokens}");
        assert!(tokens.contains("-> & 'static str"), "{tokens}");
    }
}
