// Runs when a video lands in the bucket: works out from the file name which frame to grab,
// then starts the ffmpeg task with that in its environment. `runs ffmpeg` in main.infra gives
// this function the FFMPEG_* variables below and the permission to start exactly that task.
//
// A key that ends in `@SECONDS.mp4` (`clips/cat@12.mp4`) asks for the frame at that second;
// any other key gets the frame at 5 seconds. The thumbnail is written next to the video, as
// `KEY.jpg`, which starts on_thumbnail.
//
// Lambda's Node.js runtimes include the AWS SDK v3, so nothing is bundled.
const { ECSClient, RunTaskCommand } = require("@aws-sdk/client-ecs");

const ecs = new ECSClient({});

const DEFAULT_SECONDS = 5;

/** `00:00:12` for a key ending in `@12.mp4`; ffmpeg's `-ss` takes that form. */
function timeOffset(key) {
  const match = /@(\d{1,6})\.mp4$/.exec(key);
  const seconds = match ? Number(match[1]) : DEFAULT_SECONDS;
  const two = (n) => String(n).padStart(2, "0");
  return `${two(Math.floor(seconds / 3600))}:${two(Math.floor(seconds / 60) % 60)}:${two(seconds % 60)}`;
}

/** A comma-separated variable as a list (empty entries dropped). */
function list(text) {
  return (text ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The RunTask request for one video. */
function runTaskInput(key, env = process.env) {
  const securityGroups = list(env.FFMPEG_SECURITY_GROUPS);
  return {
    cluster: env.FFMPEG_CLUSTER,
    taskDefinition: env.FFMPEG_TASK_DEFINITION,
    launchType: "FARGATE",
    count: 1,
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets: list(env.FFMPEG_SUBNETS),
        // None: the VPC's default security group, as ECS does.
        ...(securityGroups.length > 0 ? { securityGroups } : {}),
        // The default VPC's subnets are public: without a public IP the task cannot pull
        // its image.
        assignPublicIp: "ENABLED",
      },
    },
    overrides: {
      containerOverrides: [
        {
          name: env.FFMPEG_CONTAINER,
          environment: [
            { name: "INPUT_VIDEO", value: key },
            { name: "OUTPUT_FILE", value: `${key}.jpg` },
            { name: "TIME_OFFSET", value: timeOffset(key) },
          ],
        },
      ],
    },
  };
}

exports.handler = async (event) => {
  const started = [];
  for (const record of event.Records ?? []) {
    // S3 event keys are URL-encoded, with `+` for a space.
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, " "));
    const out = await ecs.send(new RunTaskCommand(runTaskInput(key)));
    if (out.failures && out.failures.length > 0) {
      throw new Error(`ffmpeg did not start for ${key}: ${JSON.stringify(out.failures)}`);
    }
    for (const task of out.tasks ?? []) {
      console.log(`started ${task.taskArn} for ${key} at ${timeOffset(key)}`);
      started.push(task.taskArn);
    }
  }
  return { started };
};

exports.timeOffset = timeOffset;
exports.runTaskInput = runTaskInput;
