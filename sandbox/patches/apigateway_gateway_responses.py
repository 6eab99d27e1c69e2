"""moto 5.2.1 answers gateway-response reads differently from API Gateway; this imitates the real service.

Checked in moto/apigateway/models.py (RestAPI.put/get/get_gateway_responses/delete_gateway_response) and
responses.py: Put, Get, GetGatewayResponses and Delete exist, but

- GetGatewayResponses lists only the types that were put. Real AWS lists every response type of the API; the ones
  nobody customized come back with "defaultResponse": true and API Gateway's own status and
  {"message":$context.error.messageString} template. turnctl reads the real listing (it skips defaultResponse: true),
  so the sandbox answers the same way and that path is exercised.
- GetGatewayResponse of a type that was never put raised NotFoundException; AWS answers its default.
- PutGatewayResponse took any response type; AWS refuses an unknown one (BadRequestException).

DeleteGatewayResponse already behaves as needed (the type is back to its default).
"""

# The response types of API Gateway and the status each answers with by default (None: the status of the error).
DEFAULT_STATUS = {
    "ACCESS_DENIED": "403",
    "API_CONFIGURATION_ERROR": "500",
    "AUTHORIZER_CONFIGURATION_ERROR": "500",
    "AUTHORIZER_FAILURE": "500",
    "BAD_REQUEST_BODY": "400",
    "BAD_REQUEST_PARAMETERS": "400",
    "DEFAULT_4XX": None,
    "DEFAULT_5XX": None,
    "EXPIRED_TOKEN": "403",
    "INTEGRATION_FAILURE": "504",
    "INTEGRATION_TIMEOUT": "504",
    "INVALID_API_KEY": "403",
    "INVALID_SIGNATURE": "403",
    "MISSING_AUTHENTICATION_TOKEN": "403",
    "QUOTA_EXCEEDED": "429",
    "REQUEST_TOO_LARGE": "413",
    "RESOURCE_NOT_FOUND": "404",
    "THROTTLED": "429",
    "UNAUTHORIZED": "401",
    "UNSUPPORTED_MEDIA_TYPE": "415",
    "WAF_FILTERED": "403",
}
DEFAULT_TEMPLATES = {"application/json": '{"message":$context.error.messageString}'}


def apply():
    from moto.apigateway.exceptions import BadRequestException
    from moto.apigateway.models import GatewayResponse, RestAPI

    def default_response(response_type):
        r = GatewayResponse(response_type, DEFAULT_STATUS[response_type], {}, dict(DEFAULT_TEMPLATES))
        r.default_response = True
        return r

    original_put = RestAPI.put_gateway_response

    def put_gateway_response(self, response_type, status_code, response_parameters, response_templates):
        if response_type not in DEFAULT_STATUS:
            raise BadRequestException(f"Invalid response type: {response_type}")
        return original_put(self, response_type, status_code, response_parameters, response_templates)

    def get_gateway_response(self, response_type):
        if response_type in self.gateway_responses:
            return self.gateway_responses[response_type]
        if response_type not in DEFAULT_STATUS:
            raise BadRequestException(f"Invalid response type: {response_type}")
        return default_response(response_type)

    def get_gateway_responses(self):
        return [self.gateway_responses.get(t) or default_response(t) for t in DEFAULT_STATUS]

    RestAPI.put_gateway_response = put_gateway_response
    RestAPI.get_gateway_response = get_gateway_response
    RestAPI.get_gateway_responses = get_gateway_responses
