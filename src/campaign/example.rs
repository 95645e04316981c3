//! The smallest campaign file other modules' tests load: one body parameter
//! from the `name` column of `audience.csv`, numbers in GB. It lives here,
//! with the sender's fields, so the stages that must not name a provider
//! can load a campaign in their tests.

pub const CAMPAIGN: &str = "version: 1\nname: spring\nsender: {bot_id: acme-bot, region: eu}\ntemplate:\n  name: spring_sale\n  language: en_GB\n  body_params: [\"{{ name }}\"]\naudience: {file: audience.csv, default_country: GB}\n";
