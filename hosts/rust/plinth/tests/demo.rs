//! The demo model through the safe API: greedy ids and text equal transformers' (from
//! models/license-mistral/expected_generations.json), streaming, errors.
mod common;

use plinth::{GenerateOptions, Model, ModelOptions, Runtime, Status};

fn expected() -> Vec<(String, Vec<i32>, String)> {
    let path = common::demo_model_dir().join("expected_generations.json");
    let json = common::parse_json(&std::fs::read_to_string(&path).expect("expected_generations.json"));
    json.get("generations")
        .unwrap()
        .obj()
        .iter()
        .map(|(prompt, g)| {
            let ids = g.get("ids").unwrap().arr().iter().map(|v| v.num() as i32).collect();
            (prompt.clone(), ids, g.get("text").unwrap().str().to_string())
        })
        .collect()
}

#[test]
fn tokenizer_outlives_its_model() {
    let model = Model::open(common::demo_model_dir()).expect("load demo model");
    let tok = model.tokenizer().unwrap();
    let want = tok.encode("Licensed under the Apache License", true).unwrap();
    drop(model);
    assert_eq!(tok.encode("Licensed under the Apache License", true).unwrap(), want);
}

#[test]
fn greedy_generations_match_transformers() {
    let model = Model::open(common::demo_model_dir()).expect("load demo model");
    let info = model.info().unwrap();
    assert_eq!(info.model_type, "mistral");
    assert!(info.can_generate);
    let tok = model.tokenizer().unwrap();
    let cases = expected();
    assert_eq!(cases.len(), 3);
    for (prompt, want_ids, want_text) in cases {
        let ids = tok.encode(&prompt, true).unwrap();
        assert_eq!(ids[..], want_ids[..ids.len()], "prompt tokens of {:?}", prompt);
        let opts = GenerateOptions { max_new_tokens: (want_ids.len() - ids.len()) as i32, ..Default::default() };
        let out = model.generate_ids(&ids, &opts).unwrap();
        assert_eq!(out, want_ids, "greedy ids for {:?}", prompt);
        assert_eq!(tok.decode(&out, true).unwrap(), want_text);
    }
}

#[test]
fn streamed_text_and_early_stop() {
    let rt = Runtime::new().unwrap();
    let model = rt.load_model(common::demo_model_dir(), &ModelOptions::default()).unwrap();
    drop(rt); // the model keeps its runtime alive
    let (prompt, _, want_text) = expected().remove(0);
    let opts = GenerateOptions { max_new_tokens: 16, ..Default::default() };
    let mut streamed = String::new();
    let text = model.generate_stream(&prompt, &opts, |t| {
        streamed.push_str(t.piece);
        true
    });
    let text = text.unwrap();
    assert_eq!(streamed, text);
    assert!(want_text.starts_with(&format!("{}{}", prompt, text)), "{:?}", text);

    let mut n = 0;
    model.generate_stream(&prompt, &opts, |_| {
        n += 1;
        n < 3
    })
    .unwrap();
    assert_eq!(n, 3);
}

#[test]
#[should_panic(expected = "from the callback")]
fn callback_panic_resumes_after_the_c_call() {
    let model = Model::open(common::demo_model_dir()).unwrap();
    let opts = GenerateOptions { max_new_tokens: 4, ..Default::default() };
    let _ = model.generate_stream("Licensed", &opts, |_| panic!("from the callback"));
}

#[test]
fn errors_carry_status_and_message() {
    let err = Model::open("/nonexistent/model").err().expect("must fail");
    assert_eq!(err.status, Status::NotFound);
    assert!(err.message.contains("/nonexistent/model"), "{}", err);
    let rt = Runtime::new().unwrap();
    let opts = ModelOptions { dtype: Some("f7".into()), ..Default::default() };
    let err = rt.load_model(common::demo_model_dir(), &opts).err().expect("must fail");
    assert_eq!(err.status, Status::InvalidArgument);
    assert!(err.message.contains("f7"));
    assert_eq!(plinth::abi_version(), plinth::sys::PLINTH_ABI_VERSION);
    assert!(rt.plugins().unwrap().iter().any(|p| p.name == "mistral" && p.state == 1));
}
