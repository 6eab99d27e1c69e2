"""moto gap: CodeBuild builds are not AWS-shaped (moto 5.2.1). Used by `turnctl layers` on CodeBuild stages.

Real AWS (JSON 1.1 protocol): every timestamp of a build (startTime, endTime, phases[].startTime/endTime) is a number
of epoch seconds; StartBuild applies the overrides it is given (sourceTypeOverride, sourceLocationOverride,
buildspecOverride, environmentVariablesOverride, timeoutInMinutesOverride) and the build reports them back in
`source`, `environment` and `timeoutInMinutes`; the build's logs go to the project's CloudWatch Logs group
(default `/aws/codebuild/<project>`) in a stream named after the build id's UUID, reported in `logs.groupName` /
`logs.streamName`; build numbers count up per project; BatchGetBuilds returns builds in the order asked and lists
unknown ids in `buildsNotFound`; ListBuildsForProject sorts newest first unless `sortOrder` is ASCENDING.

moto 5.2.1 answers ISO-8601 strings for build timestamps, which the AWS SDK v3 cannot deserialize (it throws on the
first BatchGetBuilds / StartBuild response), ignores every override except sourceVersion and artifactsOverride,
reports logs at group/stream "null", and appends another nine phases on every BatchGetBuilds call. This patch makes
the responses AWS-shaped. moto still runs no build (like Lambda Invoke runs no code): a build completes as SUCCEEDED
on its first BatchGetBuilds, writes no log lines and uploads no artifact. turnctl's tests play the build container
(log lines, artifact upload, a failing build) with a proxy in front of the sandbox (tests/layers/codebuild-proxy.ts).
"""

import copy
import datetime
import json


def _epoch(value):
    if isinstance(value, str):
        from moto.core.parse import default_timestamp_parser

        dt = default_timestamp_parser(value)
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=datetime.timezone.utc)
        return dt.timestamp()
    return value


def _aws_shape(build):
    """A copy of a stored build with epoch-second timestamps, as AWS answers it."""
    b = copy.deepcopy(build)
    for key in ("startTime", "endTime"):
        if key in b:
            b[key] = _epoch(b[key])
    for phase in b.get("phases") or []:
        for key in ("startTime", "endTime"):
            if key in phase:
                phase[key] = _epoch(phase[key])
    return b


def apply():
    from moto.codebuild import models, responses
    from moto.core.utils import iso_8601_datetime_with_milliseconds
    from moto.utilities.utils import get_partition

    Backend = models.CodeBuildBackend
    Responses = responses.CodeBuildResponse

    original_start_build = Responses.start_build

    def start_build(self):
        body = json.loads(original_start_build(self))
        build_id = body["build"]["id"]
        project_name = self._get_param("projectName")
        project = self.codebuild_backend.codebuild_projects[project_name].project_metadata
        stored = next(b for b in self.codebuild_backend.build_metadata_history[project_name] if b["id"] == build_id)

        source = copy.deepcopy(project.get("source") or {})
        if self._get_param("sourceTypeOverride"):
            source["type"] = self._get_param("sourceTypeOverride")
        if self._get_param("sourceLocationOverride"):
            source["location"] = self._get_param("sourceLocationOverride")
        if self._get_param("buildspecOverride"):
            source["buildspec"] = self._get_param("buildspecOverride")
        stored["source"] = source
        stored["sourceVersion"] = self._get_param("sourceVersion") or project.get("sourceVersion") or stored["sourceVersion"]

        env = copy.deepcopy(project.get("environment") or {})
        variables = {v["name"]: v for v in env.get("environmentVariables") or []}
        for v in self._get_param("environmentVariablesOverride") or []:
            variables[v["name"]] = {"type": "PLAINTEXT", **v}
        env["environmentVariables"] = list(variables.values())
        stored["environment"] = env
        if self._get_param("timeoutInMinutesOverride"):
            stored["timeoutInMinutes"] = self._get_param("timeoutInMinutesOverride")

        cw = ((project.get("logsConfig") or {}).get("cloudWatchLogs") or {})
        group = cw.get("groupName") or f"/aws/codebuild/{project_name}"
        uuid = build_id.split(":", 1)[1]
        stream = f"{cw['streamName']}/{uuid}" if cw.get("streamName") else uuid
        region, account = self.region, self.current_account
        stored["logs"] = {
            "groupName": group,
            "streamName": stream,
            "deepLink": f"https://console.aws.amazon.com/cloudwatch/home?region={region}#logEvent:group={group};stream={stream}",
            "cloudWatchLogsArn": f"arn:{get_partition(region)}:logs:{region}:{account}:log-group:{group}:log-stream:{stream}",
            "cloudWatchLogs": {"status": "ENABLED", "groupName": group, "streamName": stream},
            "s3Logs": {"status": "DISABLED", "encryptionDisabled": False},
        }
        stored["buildNumber"] = len(self.codebuild_backend.build_metadata_history[project_name])
        return json.dumps({"build": _aws_shape(stored)})

    def batch_get_builds(self, ids):
        by_id = {}
        for history in self.build_metadata_history.values():
            for build in history:
                if build["id"] in ids:
                    by_id[build["id"]] = build
        out = []
        for build_id in ids:
            build = by_id.get(build_id)
            if build is None:
                continue
            if not build.get("buildComplete"):
                # moto runs nothing: the build completes on its first look, once (moto appended phases every call).
                build["phases"] = self._set_phases(build["phases"])
                build["endTime"] = iso_8601_datetime_with_milliseconds()
                build["currentPhase"] = "COMPLETED"
                build["buildStatus"] = "SUCCEEDED"
                build["buildComplete"] = True
            out.append(build)
        return out

    def batch_get_builds_response(self):
        ids = self._get_param("ids")
        for build_id in ids:
            if ":" not in build_id:
                raise responses.InvalidInputException("Invalid build ID provided")
        builds = self.codebuild_backend.batch_get_builds(ids)
        found = {b["id"] for b in builds}
        return json.dumps({"builds": [_aws_shape(b) for b in builds], "buildsNotFound": [i for i in ids if i not in found]})

    original_backend_stop_build = Backend.stop_build

    def backend_stop_build(self, build_id):
        build = original_backend_stop_build(self, build_id)
        if build is not None:
            build["buildComplete"] = True
        return build

    original_stop_build = Responses.stop_build

    def stop_build(self):
        body = json.loads(original_stop_build(self))
        if body.get("build"):
            body["build"] = _aws_shape(body["build"])
        return json.dumps(body)

    original_list_for_project = Responses.list_builds_for_project

    def list_builds_for_project(self):
        body = json.loads(original_list_for_project(self))
        if (self._get_param("sortOrder") or "DESCENDING") == "DESCENDING":
            body["ids"] = list(reversed(body["ids"]))
        return json.dumps(body)

    Responses.start_build = start_build
    Responses.batch_get_builds = batch_get_builds_response
    Responses.stop_build = stop_build
    Responses.list_builds_for_project = list_builds_for_project
    Backend.batch_get_builds = batch_get_builds
    Backend.stop_build = backend_stop_build
