// A frontend's typed client for storyboard, written against the types openapi-typescript generates from
// /api/v3/openapi.json (generated/schema.d.ts). `make test` compiles it with `tsc --strict`: it fails when the
// document stops describing what a frontend needs (tests/api/test_openapi_clients.py). The `@ts-expect-error`
// lines are checks too: each must stay an error, so the types cannot quietly become `unknown` or `any`.
import createClient from "openapi-fetch";

import type { components, operations, paths } from "./generated/schema";

type Schemas = components["schemas"];
export type Job = Schemas["Job"];
export type Scene = Schemas["Scene"];
export type JobAction = Schemas["JobAction"];
export type ActionName = JobAction["action"];
type JobCreate = NonNullable<operations["createJob"]["requestBody"]>["content"]["application/json"];

export type Storyboard = ReturnType<typeof storyboardClient>;

/** A client that sends an API key; a browser app would rely on the login cookie (credentials: "include"). */
export function storyboardClient(baseUrl: string, apiKey: string) {
  return createClient<paths>({ baseUrl, headers: { "X-API-Key": apiKey } });
}

function must<T>(answer: { data?: T; error?: Schemas["Error"] }): T {
  if (answer.data === undefined) {
    throw new Error(answer.error?.error ?? "no answer");
  }
  return answer.data;
}

/** Create a client, its campaign and a 15-second job (the rest of videoSpecs takes the server's defaults). */
export async function createJob(api: Storyboard): Promise<Job> {
  const client = must(await api.POST("/api/v3/clients", { body: { name: "Acme" } })).data;
  const campaign = must(
    await api.POST("/api/v3/campaigns", { body: { clientId: client.id, name: "Spring", goal: "Awareness" } }),
  ).data;
  const brief: JobCreate = {
    context: { clientId: client.id, campaignId: campaign.id },
    adBasics: {
      product: "Aurora bottle",
      targetAudience: "Hikers",
      keyMessage: "Glows when you need a sip",
      callToAction: "Order today",
    },
    creative: { videoSpecs: { duration: 15 }, direction: { style: "Bright and bold" } },
  };
  const job = must(await api.POST("/api/v3/jobs", { body: brief, headers: { Prefer: "respond-async" } })).data;
  const status: "pending" | "storyboard_processing" | "storyboard_review" | string = job.status;
  void status;
  return job;
}

/** How far the job is, 0 to 100: what a progress bar shows while the storyboard is written or the video renders. */
export async function percentDone(api: Storyboard, jobId: string): Promise<number> {
  const job = must(await api.GET("/api/v3/jobs/{job_id}", { params: { path: { job_id: jobId } } })).data;
  const stage: string = job.progress.current_stage;
  void stage;
  return job.progress.percent;
}

export async function readScenes(api: Storyboard, jobId: string): Promise<Scene[]> {
  const listed = must(await api.GET("/api/v3/jobs/{job_id}/scenes", { params: { path: { job_id: jobId } } }));
  const total = listed.data.scenes.reduce((seconds, scene) => seconds + scene.duration, 0);
  void total;
  return listed.data.scenes;
}

export async function editScene(api: Storyboard, jobId: string, scene: Scene): Promise<Scene> {
  const path = { job_id: jobId, scene: String(scene.sceneNumber) };
  const body = { script: "Glows when you need it.", duration: 4.5, version: scene.version };
  return must(await api.PUT("/api/v3/jobs/{job_id}/scenes/{scene}", { params: { path }, body })).data;
}

/** Every action a job knows, with the parameters it takes: adding an action to the API makes this fail to
 * compile until a frontend knows how to send it. */
export const ACTIONS: { [name in ActionName]: Omit<JobAction, "action"> } = {
  approve: {},
  approve_storyboard: {},
  reject_storyboard: { feedback: "Warmer, and show the bottle sooner" },
  regenerate_scene: { sceneNumber: 2, feedback: "Show it at night" },
  regenerate_all_scenes: { feedback: "More energy" },
  revert_scene: { sceneNumber: 2, revision: 1 },
  rebalance_durations: {},
  retry: {},
  cancel: { reason: "Brief changed" },
};

export async function perform(api: Storyboard, jobId: string, action: ActionName) {
  const body: JobAction = { action, ...ACTIONS[action] };
  const done = must(
    await api.POST("/api/v3/jobs/{job_id}/actions", { params: { path: { job_id: jobId } }, body }),
  ).data;
  const message: string = done.message;
  void message;
  return { job: done.job, scenes: done.scene ? [done.scene] : (done.scenes ?? []), notApplied: done.feedback?.notApplied };
}

export async function performEach(api: Storyboard, jobId: string): Promise<void> {
  for (const action of Object.keys(ACTIONS) as ActionName[]) {
    await perform(api, jobId, action);
  }
}

/** The finished video: bytes for a download, or the signed link a <video> element plays without credentials. */
export async function video(api: Storyboard, job: Job): Promise<{ bytes: Blob; src: string | null }> {
  const answer = await api.GET("/api/v3/jobs/{job_id}/video", {
    params: { path: { job_id: job.id } },
    parseAs: "blob",
  });
  return { bytes: must(answer), src: job.signedVideoUrl ?? job.videoUrl };
}

export function audioSummary(job: Job): string {
  const voice = job.audio.voice ? `${job.audio.voice.engine} (${job.audio.voice.language})` : "no voice";
  return `${job.audio.status}: ${voice}`;
}

export function wrongUses(job: Job, brief: JobCreate): void {
  // @ts-expect-error progress.percent is a number
  const percent: string = job.progress.percent;
  // @ts-expect-error a format the API refuses
  const specs: JobCreate["creative"]["videoSpecs"] = { format: "4:3" };
  // @ts-expect-error an action the API does not know
  const action: ActionName = "approve_everything";
  // @ts-expect-error a brief needs its adBasics
  const partial: JobCreate = { context: brief.context, creative: brief.creative };
  // @ts-expect-error the envelope's error is a string or null
  const error: number = ({} as Schemas["EnvJob"]).error;
  void [percent, specs, action, partial, error];
}
