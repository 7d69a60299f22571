//! A synthetic spec, `scale` times the size of the Memsy seed, for timing the generator.

use std::fmt::Write;

use codegen::SpecSource;

/// A valid spec with `11 * scale` error classes, `8 * scale` endpoints and `12 * scale`
/// models: each copy has the seed's mix of shared statuses, codes, attributes, bodies and
/// path parameters.
pub fn spec(scale: usize) -> SpecSource {
    let mut y = String::from(
        "api:\n  name: Synthetic\n  crate: synthetic\n  version: 0.1.0\n  docs: A synthetic API for timing.\n  base_url: https://api.example.com\n  env: {api_key: SYNTHETIC_API_KEY}\n  auth: {scheme: bearer}\n\
errors:\n  root: {name: SyntheticError, docs: Root.}\n  connection: {name: SyntheticConnectionError, docs: Transport.}\n  api: {name: SyntheticAPIError, docs: API.}\n  envelope: {detail: detail, code: error.code}\n  classes:\n",
    );
    for k in 0..scale {
        for c in 0..11 {
            let status = [400, 401, 403, 403, 403, 403, 403, 403, 409, 429, 429][c];
            let _ = write!(
                y,
                "    - name: Class{k}x{c}Error\n      docs: Synthetic class {c} of copy {k}.\n      status: {status}\n      code: code_{k}_{c}\n      attributes:\n        - {{name: limit, type: integer, body: error.limit, docs: A limit.}}\n        - {{name: retry_after, type: number, header: Retry-After, format: retry_after, docs: Wait.}}\n"
            );
        }
    }
    y.push_str("retry:\n  max_retries: 2\n  backoff: {initial: 500ms, max: 8s}\n  on: {statuses: [429, 5xx], transport: [connect]}\n  retry_after: [{header: Retry-After, format: retry_after}]\n  max_wait: 60s\nendpoints:\n");
    for k in 0..scale {
        for e in 0..8 {
            let _ = write!(
                y,
                "  - name: group{k}.op{e}\n    method: POST\n    path: /v1/g{k}/{{item_id}}/op{e}\n    docs: Operation {e} of copy {k}.\n    params:\n      - {{name: item_id, in: path}}\n      - {{name: limit, in: query, type: integer}}\n    body: Req{k}x{e}\n    response: Resp{k}x{e}\n    errors: [Class{k}x0Error]\n"
            );
        }
    }
    y.push_str("models:\n");
    for k in 0..scale {
        for e in 0..8 {
            let _ = write!(
                y,
                "  - name: Req{k}x{e}\n    docs: Request.\n    fields:\n      - {{name: text, type: string, docs: Text.}}\n      - {{name: tags, type: list<string>, required: false}}\n  - name: Resp{k}x{e}\n    docs: Response.\n    fields:\n      - {{name: id, type: string}}\n      - {{name: state, type: State{k}, required: false}}\n"
            );
        }
        let _ = write!(y, "  - name: State{k}\n    docs: A state.\n    values: [{{value: active}}, {{value: limit_reached}}]\n");
    }
    SpecSource {
        path: "spec/synthetic.yaml".into(),
        text: y,
        documents: Default::default(),
    }
}
