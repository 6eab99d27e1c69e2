"""moto 5.2.1 lacks the API Gateway PATCH operations turnctl's gateway step uses on real AWS.

Adds UpdateMethod, UpdateMethodResponse, UpdateIntegration, UpdateIntegrationResponse and UpdateModel with the
semantics of the real service for the paths turnctl sends (JSON-patch operations whose paths escape "/" as "~1",
values are strings):

- UpdateMethod: replace /authorizationType, /authorizerId, /requestValidatorId, /operationName, /apiKeyRequired;
  add|replace|remove /requestParameters/<method.request.x.y> (value "true"/"false") and
  /requestModels/<content~1type> (value = model name).
- UpdateMethodResponse: add|replace|remove /responseParameters/<method.response.header.X> (value "true"/"false")
  and /responseModels/<content~1type>.
- UpdateIntegration: replace /uri, /httpMethod, /passthroughBehavior, /timeoutInMillis;
  add|replace|remove /requestTemplates/<content~1type> and /requestParameters/<integration.request.x.y>.
- UpdateIntegrationResponse: add|replace|remove /responseParameters/<method.response.header.X> (value = mapping
  expression) and /responseTemplates/<content~1type>; replace /selectionPattern.
- UpdateModel: replace /schema, /description.
- UpdateAuthorizer: add /providerARNs (value = a user pool ARN) and remove /providerARNs/<arn> (moto raised
  "not implemented" for any /providerARNs path); other paths keep moto's handling.

Real AWS also refuses PutMethod on a method that already exists (ConflictException "Method already exists for this
resource"); moto silently replaced it, which would hide a wrong call, so that is imitated too.
Unknown paths raise BadRequestException like the real service ("Invalid patch path ...").
"""
import json


def _unescape(segment):
    return segment.replace("~1", "/").replace("~0", "~")


def _split(path):
    # "/requestParameters/method.request.header.X" -> ["requestParameters", "method.request.header.X"]
    return [_unescape(s) for s in path.lstrip("/").split("/", 1)]


def _patch_map(current, op, key, value, convert=lambda v: v):
    mapping = dict(current or {})
    if op["op"] in ("add", "replace"):
        mapping[key] = convert(value)
    elif op["op"] == "remove":
        mapping.pop(key, None)
    else:
        raise _bad(f"Invalid patch operation specified. Must be one of: [add, remove, replace] for {op['path']}")
    return mapping


def _bool(v):
    return v if isinstance(v, bool) else str(v).lower() == "true"


def _bad(message):
    from moto.apigateway.exceptions import BadRequestException

    return BadRequestException(message)


def _path_parts(response):
    parts = response.path.split("/")
    # /restapis/{api}/resources/{res}/methods/{method}[/responses/{code} | /integration[/responses/{code}]]
    return parts


def apply():
    from moto.apigateway.exceptions import ConflictException
    from moto.apigateway.models import APIGatewayBackend, Resource
    from moto.apigateway.responses import APIGatewayResponse

    def update_method(self):
        p = _path_parts(self)
        method = self.backend.get_method(p[2], p[4], p[6])
        for op in self._get_param("patchOperations") or []:
            head, *rest = _split(op["path"])
            value = op.get("value")
            if head == "authorizationType" and not rest:
                method.authorization_type = value
            elif head == "authorizerId" and not rest:
                method.authorizer_id = value or None
            elif head == "requestValidatorId" and not rest:
                method.request_validator_id = value or None
            elif head == "operationName" and not rest:
                method.operation_name = value
            elif head == "apiKeyRequired" and not rest:
                method.api_key_required = _bool(value)
            elif head == "requestParameters" and rest:
                method.request_parameters = _patch_map(method.request_parameters, op, rest[0], value, _bool)
            elif head == "requestModels" and rest:
                method.request_models = _patch_map(method.request_models, op, rest[0], value)
            else:
                raise _bad(f"Invalid patch path {op['path']}")
        return 200, {}, json.dumps(method.to_json())

    def update_method_response(self):
        p = _path_parts(self)
        response = self.backend.get_method_response(p[2], p[4], p[6], p[8])
        if response is None:
            from moto.apigateway.exceptions import NotFoundException

            raise NotFoundException("Invalid Response status code specified")
        for op in self._get_param("patchOperations") or []:
            head, *rest = _split(op["path"])
            if head == "responseParameters" and rest:
                response.response_parameters = _patch_map(response.response_parameters, op, rest[0], op.get("value"), _bool)
            elif head == "responseModels" and rest:
                response.response_models = _patch_map(response.response_models, op, rest[0], op.get("value"))
            else:
                raise _bad(f"Invalid patch path {op['path']}")
        return 200, {}, json.dumps(response.to_json())

    def update_integration(self):
        p = _path_parts(self)
        integration = self.backend.get_integration(p[2], p[4], p[6])
        if integration is None:
            from moto.apigateway.exceptions import NotFoundException

            raise NotFoundException("Invalid Integration identifier specified")
        for op in self._get_param("patchOperations") or []:
            head, *rest = _split(op["path"])
            value = op.get("value")
            if head == "uri" and not rest:
                integration.uri = value
            elif head == "httpMethod" and not rest:
                integration.http_method = value
            elif head == "passthroughBehavior" and not rest:
                integration.passthrough_behaviour = value
            elif head == "timeoutInMillis" and not rest:
                integration.timeout_in_millis = value
            elif head == "requestTemplates" and rest:
                integration.request_templates = _patch_map(integration.request_templates, op, rest[0], value)
            elif head == "requestParameters" and rest:
                integration.request_parameters = _patch_map(integration.request_parameters, op, rest[0], value)
            else:
                raise _bad(f"Invalid patch path {op['path']}")
        return 200, {}, json.dumps(integration.to_json())

    def update_integration_response(self):
        p = _path_parts(self)
        integration = self.backend.get_integration(p[2], p[4], p[6])
        if integration is None:
            from moto.apigateway.exceptions import NotFoundException

            raise NotFoundException("Invalid Integration identifier specified")
        response = integration.get_integration_response(p[9])
        for op in self._get_param("patchOperations") or []:
            head, *rest = _split(op["path"])
            value = op.get("value")
            if head == "responseParameters" and rest:
                response.response_parameters = _patch_map(response.response_parameters, op, rest[0], value)
            elif head == "responseTemplates" and rest:
                response.response_templates = _patch_map(response.response_templates, op, rest[0], value)
            elif head == "selectionPattern" and not rest:
                response.selection_pattern = value
            else:
                raise _bad(f"Invalid patch path {op['path']}")
        return 200, {}, json.dumps(response.to_json())

    def update_model(self):
        p = self.path.split("/")
        model = self.backend.get_model(p[2], p[4])
        for op in self._get_param("patchOperations") or []:
            head, *rest = _split(op["path"])
            if op["op"] != "replace" or rest or head not in ("schema", "description"):
                raise _bad(f"Invalid patch path {op['path']}")
            setattr(model, head, op.get("value"))
        return 200, {}, json.dumps(model.to_json())

    from moto.apigateway.models import Authorizer

    original_authorizer_ops = Authorizer.apply_operations

    def authorizer_apply_operations(self, patch_operations):
        rest = []
        for op in patch_operations:
            if op["path"] == "/providerARNs" and op["op"] == "add":
                self.provider_arns = [*(self.provider_arns or []), op["value"]]
            elif op["path"].startswith("/providerARNs/") and op["op"] == "remove":
                arn = _unescape(op["path"][len("/providerARNs/"):])
                self.provider_arns = [a for a in (self.provider_arns or []) if a != arn]
            else:
                rest.append(op)
        return original_authorizer_ops(self, rest)

    Authorizer.apply_operations = authorizer_apply_operations
    APIGatewayResponse.update_method = update_method
    APIGatewayResponse.update_method_response = update_method_response
    APIGatewayResponse.update_integration = update_integration
    APIGatewayResponse.update_integration_response = update_integration_response
    APIGatewayResponse.update_model = update_model

    original_put_method = APIGatewayBackend.put_method

    def put_method(self, function_id, resource_id, method_type, *args, **kwargs):
        resource: Resource = self.get_resource(function_id, resource_id)
        if method_type in resource.resource_methods:
            raise ConflictException("Method already exists for this resource")
        return original_put_method(self, function_id, resource_id, method_type, *args, **kwargs)

    APIGatewayBackend.put_method = put_method
