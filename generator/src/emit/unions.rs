//! Unions: an enum with one variant per member and a fallback variant (`Other`) holding the raw JSON, decoded
//! by shape and discriminator instead of serde's `untagged` (which would read every object as the first
//! variant and fail on anything else). A value that picks a variant but does not decode as it (a field of an
//! unexpected type) is kept in the fallback too: decoding a union never fails.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Scope, doc_attrs, type_tokens};
use crate::docs;
use crate::ir::{Shape, Tag, TypeRef, Union, UnionVariant};

pub(super) fn union(union: &Union) -> TokenStream {
    let name = &union.name;
    let doc = doc_attrs(&format!("{}\n\n{}", union.doc, decoding_doc(union)));
    let variants = union.variants.iter().map(|variant| {
        let doc = doc_attrs(&variant_doc(variant));
        let variant_name = &variant.name;
        let ty = type_tokens(&variant.ty, Scope::Models);
        let ty = if variant.boxed { quote!(Box<#ty>) } else { ty };
        quote!(#doc #variant_name(#ty),)
    });
    let decode = decode_arms(union);
    let conversions = conversions(union);
    let fallback = &union.fallback;
    // A member added to the spec later becomes a new variant: `non_exhaustive` keeps that from breaking
    // downstream `match`es, which is what the API-surface report promises.
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, serde::Serialize)]
        #[serde(untagged)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            #[doc = " A value none of the variants above describe, or that does not decode as the one it names, kept as raw JSON."]
            #fallback(serde_json::Value),
        }
        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = serde_json::Value::deserialize(deserializer)?;
                let decoded: Result<Self, serde_json::Error> = match &value {
                    #decode
                    _ => return Ok(Self::#fallback(value)),
                };
                Ok(decoded.unwrap_or(Self::#fallback(value)))
            }
        }
        #conversions
    }
}

/// One match arm per JSON shape; object arms look at the discriminator when there is one.
fn decode_arms(union: &Union) -> TokenStream {
    let fallback = &union.fallback;
    let mut arms = TokenStream::new();
    for shape in [Shape::String, Shape::Number, Shape::Boolean, Shape::Array] {
        if let Some(variant) = union.variants.iter().find(|v| v.shape == shape) {
            let pattern = match shape {
                Shape::String => quote!(serde_json::Value::String(_)),
                Shape::Number => quote!(serde_json::Value::Number(_)),
                Shape::Boolean => quote!(serde_json::Value::Bool(_)),
                Shape::Array | Shape::Object => quote!(serde_json::Value::Array(_)),
            };
            let variant = &variant.name;
            arms.extend(quote!(#pattern => serde::Deserialize::deserialize(&value).map(Self::#variant),));
        }
    }
    let objects: Vec<&UnionVariant> = union.variants.iter().filter(|v| v.shape == Shape::Object).collect();
    let properties = tag_properties(union);
    if !properties.is_empty() {
        // With several tag properties, the match is on a tuple of them and each arm names its variant's one.
        let pattern = |tag: &Tag| {
            let value = &tag.value;
            if properties.len() == 1 {
                return quote!(Some(#value));
            }
            let elements = properties.iter().map(|property| if *property == tag.property { quote!(Some(#value)) } else { quote!(_) });
            quote!((#(#elements),*))
        };
        let tagged = objects.iter().filter_map(|variant| {
            let pattern = pattern(variant.tag.as_ref()?);
            let variant = &variant.name;
            Some(quote!(#pattern => serde::Deserialize::deserialize(&value).map(Self::#variant),))
        });
        let reads = properties.iter().map(|property| quote!(field(#property).as_deref()));
        let scrutinee = if properties.len() == 1 { quote!(#(#reads)*) } else { quote!((#(#reads),*)) };
        arms.extend(quote! {
            serde_json::Value::Object(object) => {
                let field = |name: &str| object.get(name).and_then(serde_json::Value::as_str).map(str::to_owned);
                match #scrutinee {
                    #(#tagged)*
                    _ => return Ok(Self::#fallback(value)),
                }
            }
        });
    } else if let Some(first) = objects.first() {
        let variant = &first.name;
        arms.extend(quote!(serde_json::Value::Object(_) => serde::Deserialize::deserialize(&value).map(Self::#variant),));
    }
    arms
}

/// `From` each variant's type, when no other variant holds the same type, so that call sites can write
/// `"12345".into()` or `model.into()`.
fn conversions(union: &Union) -> TokenStream {
    let name = &union.name;
    let mut impls = TokenStream::new();
    for variant in &union.variants {
        if union.variants.iter().filter(|v| v.ty == variant.ty).count() > 1 {
            continue;
        }
        let variant_name = &variant.name;
        let ty = type_tokens(&variant.ty, Scope::Models);
        let value = if variant.boxed { quote!(Box::new(value)) } else { quote!(value) };
        impls.extend(quote! {
            impl From<#ty> for #name {
                fn from(value: #ty) -> Self {
                    Self::#variant_name(#value)
                }
            }
        });
        if variant.ty == TypeRef::String {
            impls.extend(quote! {
                impl From<&str> for #name {
                    fn from(value: &str) -> Self {
                        Self::#variant_name(value.to_owned())
                    }
                }
            });
        }
    }
    impls
}

/// The properties that tag object variants, in the order the decoder reads them.
fn tag_properties(union: &Union) -> Vec<&str> {
    let mut properties: Vec<&str> = Vec::new();
    for tag in union.variants.iter().filter_map(|v| v.tag.as_ref()) {
        if !properties.contains(&tag.property.as_str()) {
            properties.push(&tag.property);
        }
    }
    properties
}

fn decoding_doc(union: &Union) -> String {
    let objects = union.variants.iter().filter(|v| v.shape == Shape::Object).count();
    let properties: Vec<String> = tag_properties(union).into_iter().map(docs::code_span).collect();
    let how = match (properties.as_slice(), objects) {
        ([], 0 | 1) => "each variant is read from its kind of JSON value;".to_owned(),
        ([], _) => "the spec gives no property that tells the object variants apart, so an object is read as the first one;".to_owned(),
        (properties, _) => format!("an object is read as the variant its {} names;", properties.join(" or ")),
    };
    let fallback = &union.fallback;
    format!("Decoding: {how} anything else, and a value that does not decode as the variant it names, becomes [`{fallback}`](Self::{fallback}), never an error.")
}

fn variant_doc(variant: &UnionVariant) -> String {
    // Variants are named by what tells them apart, not by the type they hold: the doc names that type.
    match &variant.tag {
        Some(tag) => match &variant.ty {
            TypeRef::Model(model) => format!(
                "The [`{model}`] form: an object whose {} is {}.",
                docs::code_span(&tag.property),
                docs::code_span(&tag.value)
            ),
            _ => format!("An object whose {} is {}.", docs::code_span(&tag.property), docs::code_span(&tag.value)),
        },
        None => match &variant.ty {
            TypeRef::Model(model) => format!("The [`{model}`] form."),
            _ => match variant.shape {
                Shape::String => "A string.".to_owned(),
                Shape::Number => "A number.".to_owned(),
                Shape::Boolean => "A boolean.".to_owned(),
                Shape::Array => "A list.".to_owned(),
                Shape::Object => "An object.".to_owned(),
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Usage;
    use crate::names::camel;

    fn variant(name: &str, ty: TypeRef, shape: Shape, tag: Option<(&str, &str)>) -> UnionVariant {
        let boxed = matches!(ty, TypeRef::Model(_));
        let tag = tag.map(|(property, value)| Tag { property: property.to_owned(), value: value.to_owned() });
        UnionVariant { name: camel(name).unwrap(), ty, shape, tag, boxed }
    }

    /// A gid-or-membership union; `tags` gives the (property, value) of the team and user variants.
    fn membership(tags: Option<[(&str, &str); 2]>) -> Union {
        let [team, user] = tags.map_or([None, None], |[team, user]| [Some(team), Some(user)]);
        Union {
            name: camel("Membership").unwrap(),
            doc: "A membership.".to_owned(),
            usage: Usage::Response,
            fallback: camel("Other").unwrap(),
            variants: vec![
                variant("Gid", TypeRef::String, Shape::String, None),
                variant("Team", TypeRef::Model(camel("TeamMembership").unwrap()), Shape::Object, team),
                variant("User", TypeRef::Model(camel("UserMembership").unwrap()), Shape::Object, user),
            ],
        }
    }

    #[test]
    fn objects_are_told_apart_by_the_discriminator_and_the_rest_falls_back() {
        let subtypes = Some([("resource_subtype", "team_membership"), ("resource_subtype", "user_membership")]);
        let tokens = union(&membership(subtypes)).to_string();
        assert!(tokens.contains("match field (\"resource_subtype\") . as_deref ()"), "{tokens}");
        assert!(tokens.contains("Some (\"team_membership\") => serde :: Deserialize :: deserialize (& value) . map (Self :: Team)"), "{tokens}");
        assert!(tokens.contains("serde_json :: Value :: String (_) => serde :: Deserialize :: deserialize (& value) . map (Self :: Gid)"), "{tokens}");
        assert!(tokens.contains("_ => return Ok (Self :: Other (value))"), "{tokens}");
        assert!(tokens.contains("Team (Box < TeamMembership >)"), "{tokens}");
        assert!(tokens.contains("impl From < & str > for Membership"), "{tokens}");
        assert!(tokens.contains("# [non_exhaustive] pub enum Membership"), "{tokens}");
    }

    #[test]
    fn a_value_that_does_not_decode_as_its_variant_falls_back() {
        let subtypes = Some([("resource_subtype", "team_membership"), ("resource_subtype", "user_membership")]);
        let mut renamed = membership(subtypes);
        renamed.fallback = camel("OtherValue").unwrap();
        let tokens = union(&renamed).to_string();
        assert!(tokens.contains("Ok (decoded . unwrap_or (Self :: OtherValue (value)))"), "{tokens}");
        assert!(tokens.contains("OtherValue (serde_json :: Value)"), "{tokens}");
        assert!(!tokens.contains("Other ("), "{tokens}");
    }

    #[test]
    fn variants_tagged_by_different_properties_each_match_their_own() {
        let mixed = Some([("resource_subtype", "team_membership"), ("resource_type", "user")]);
        let tokens = union(&membership(mixed)).to_string();
        assert!(tokens.contains("match (field (\"resource_subtype\") . as_deref () , field (\"resource_type\") . as_deref ())"), "{tokens}");
        assert!(tokens.contains("(Some (\"team_membership\") , _) => serde :: Deserialize :: deserialize (& value) . map (Self :: Team)"), "{tokens}");
        assert!(tokens.contains("(_ , Some (\"user\")) => serde :: Deserialize :: deserialize (& value) . map (Self :: User)"), "{tokens}");
    }

    #[test]
    fn without_a_discriminator_objects_decode_as_the_first_object_variant() {
        let tokens = union(&membership(None)).to_string();
        assert!(tokens.contains("serde_json :: Value :: Object (_) => serde :: Deserialize :: deserialize (& value) . map (Self :: Team)"), "{tokens}");
        assert!(!tokens.contains("Self :: User)"), "{tokens}");
        assert!(tokens.contains("read as the first one"), "{tokens}");
    }
}
