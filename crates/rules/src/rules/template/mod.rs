//! Checks of templates themselves (Jinja2, ERB, EPP): what a rendering
//! does that the template's text hides. Ordinary rules read templates too,
//! with every placeholder a hole and every block "maybe".

mod gl040_quoted_placeholder_boolean;
mod ht040_template_section_split;
mod ph040_unquoted_placeholder;

pub(crate) use gl040_quoted_placeholder_boolean::QuotedPlaceholderBoolean;
pub(crate) use ht040_template_section_split::TemplateSectionSplit;
pub(crate) use ph040_unquoted_placeholder::UnquotedPlaceholder;
