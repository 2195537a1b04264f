// request: textDocument/references
// params: { "context": { "includeDeclaration": false } }
//- pipec.toml
//- regions.pipe
registry lab {
  region us-ea$0st-1 { azs = [use1-az1, use1-az2] }
  region eu-west-1 { azs = [euw1-az1] }
}

registry small extends lab {
  region us-east-1 { azs = [use1-az1] }
}

registry tiny extends small {
  region us-east-1 { azs = [use1-az2] }
  region eu-west-1 { azs = [euw1-az2] }
}
