// request: textDocument/publishDiagnostics
//- alone.pipe
template Service {
  stage gamma { regions = [us-east-1, eu-west-1] }
}
template Team extends Service {
  stage gamma { regions += [eu-west-1] }
}
template Other extends Service {
  stage gamma { regions -= [us-west-2] }
}
