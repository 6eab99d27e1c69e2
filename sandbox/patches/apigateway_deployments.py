"""moto 5.2.1 gets two deployment/stage behaviours of API Gateway wrong; this imitates the real service.

- CreateDeployment with the name of an existing stage: real AWS points that stage at the new deployment and keeps the
  stage's settings (method settings such as throttling, variables, tags). moto replaced the stage with a fresh one.
- DeleteDeployment: real AWS refuses only while a stage points at the deployment (BadRequestException "Active stages
  pointing to this deployment must be moved or deleted"). moto refused whenever a stage with the deployment's original
  stage name existed, so a superseded deployment could never be deleted.
- UpdateStage with op "remove" on a method-settings path (e.g. "/*/*"): real AWS removes those method settings
  (the stage then falls back to the account-level defaults). moto ignored the operation.
"""


def apply():
    from moto.apigateway.exceptions import DeploymentNotFoundException, StageStillActive
    from moto.apigateway.models import RestAPI, Stage

    original_create = RestAPI.create_deployment

    def create_deployment(self, name, description, stage_variables=None):
        existing = self.stages.get(name) if name else None
        deployment = original_create(self, name, description, stage_variables)
        if existing is not None:
            existing.deployment_id = deployment.id
            if stage_variables:
                existing.variables = {**existing.variables, **stage_variables}
            self.stages[name] = existing
        return deployment

    def delete_deployment(self, deployment_id):
        if deployment_id not in self.deployments:
            raise DeploymentNotFoundException()
        if any(stage.deployment_id == deployment_id for stage in self.stages.values()):
            raise StageStillActive()
        return self.deployments.pop(deployment_id)

    RestAPI.create_deployment = create_deployment
    RestAPI.delete_deployment = delete_deployment

    original_apply = Stage.apply_operations

    def apply_operations(self, patch_operations):
        rest = []
        for op in patch_operations:
            parts = op["path"].split("/")
            # "/{resourcePath}/{httpMethod}" with resourcePath "*" or "~1path" (escaped) and no setting key
            if op["op"] == "remove" and len(parts) == 3 and parts[0] == "" and "variables" not in op["path"]:
                self.method_settings.pop(f"{parts[1]}/{parts[2]}", None)
            else:
                rest.append(op)
        return original_apply(self, rest)

    Stage.apply_operations = apply_operations
