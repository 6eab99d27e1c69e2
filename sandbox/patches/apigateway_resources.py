"""moto 5.2.1 creates any child resource; API Gateway refuses two kinds, and this imitates the real service.

Checked in moto/apigateway/models.py (APIGatewayBackend.create_resource → RestAPI.add_child): only the path part's
characters are checked. Real API Gateway also refuses, on CreateResource,

- a second variable child of the same parent (`{id}` next to `{vehicleId}`, or `{proxy+}`): BadRequestException
  "A sibling ({id}) of this resource already has a variable path part -- only one is allowed";
- a child whose path part a sibling already has: ConflictException
  "Another resource with the same parent already has this name: <part>".

So renaming a path variable only works on AWS when the old resource is deleted before the new one is created.
"""


def apply():
    from moto.apigateway.exceptions import BadRequestException, ConflictException
    from moto.apigateway.models import APIGatewayBackend

    original = APIGatewayBackend.create_resource

    def create_resource(self, function_id, parent_resource_id, path_part):
        if path_part:
            api = self.get_rest_api(function_id)
            siblings = [r for r in api.resources.values() if r.parent_id == parent_resource_id]
            for s in siblings:
                if s.path_part == path_part:
                    raise ConflictException(f"Another resource with the same parent already has this name: {path_part}")
            if path_part.startswith("{"):
                for s in siblings:
                    if (s.path_part or "").startswith("{"):
                        raise BadRequestException(
                            f"A sibling ({s.path_part}) of this resource already has a variable path part -- only one is allowed"
                        )
        return original(self, function_id, parent_resource_id, path_part)

    APIGatewayBackend.create_resource = create_resource
