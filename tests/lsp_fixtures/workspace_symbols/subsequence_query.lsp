// request: workspace/symbol
// params: { "query": "ordapi" }
//- pipec.toml
//- base.pipe
import "std/aws"

alarm orders_api_errors = ALARM("OrdersApi_Errors")

template OrdersApiBase {
  platform = ecs
}
//- services/orders.pipe
import "../base.pipe"

pipeline orders_api extends OrdersApiBase {
}

pipeline other extends OrdersApiBase {
}
//- services/ordering.pipe
// Not open, but in the workspace: found from disk.
window order_api_hours {
  zone = "UTC"
  allow = [mon..fri 09:00..17:00]
}
