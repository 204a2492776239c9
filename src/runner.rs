//! Running a whole turn: the engine step committed by the store, and the web service calls a
//! flow asks for in between, until there is a reply for the caller.
//!
//! The webhook handlers, `switchboard chat` and `switchboard test` all go through a [`Runner`],
//! so a conversation in the terminal or in a test file behaves exactly as a phone call would.
//!
//! A turn that Twilio delivered with an idempotency token is listed as in flight until its
//! reply is committed: a retry of that delivery (Twilio retries a webhook it has not had an
//! answer to, for instance while the first is waiting on a slow web service) waits for the
//! first one's reply and gets exactly it, instead of running as a new turn. A delivery whose
//! connection Twilio gives up on still finishes and commits, on a task of its own from then on,
//! so a retry after that finds its reply in the store.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::engine::{Caller, Input, Next, Output, Reply, WebhookResult};
use crate::flow::{Assistant, HoldSound};
use crate::signature::AuthToken;
use crate::store::{Store, StoreError};
use crate::versions::Versions;
use crate::webhook::{CALL_TIMEOUT, UrlMap, WebhookClient};

/// Time a turn may spend on web services, leaving Twilio's 15 s budget room for the rest.
pub const TURN_BUDGET: Duration = Duration::from_secs(12);

/// Time from a webhook's arrival by which its reply must be ready, whatever the database does:
/// well inside Twilio's 15 s, so a caller hears at least the apology.
pub const REPLY_BUDGET: Duration = Duration::from_secs(13);

/// Longest one engine step waits for the database, by default (a lock held by another program,
/// a writer far behind); past it the turn fails and the caller hears the apology.
pub const STEP_WAIT: Duration = Duration::from_secs(5);

/// Web service calls one turn may make. The engine's redirect limit stops loops first; this
/// holds even if a flow somehow slipped past it.
const MAX_HOPS: u32 = 8;

/// Where a turn's time comes from. Tests pass a clock they control.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// How a runner behaves beyond its flows and database.
#[derive(Clone)]
pub struct RunnerOptions {
    /// The clock.
    pub clock: Clock,
    /// Signs calls to web services, when set.
    pub token: Option<AuthToken>,
    /// Longest one web service call may take on a call without holds and in a text
    /// conversation; a call on hold has the flows' hold budget instead.
    pub webhook_timeout: Duration,
    /// URL prefixes of web services to call elsewhere (`--map-url`).
    pub url_map: Vec<UrlMap>,
    /// Longest one engine step waits for the database (never past [`REPLY_BUDGET`]).
    pub step_wait: Duration,
    /// With a sentence-embedding model: longest a turn waits for its utterance's embedding
    /// before routing on the strings alone ([`SEMANTIC_BUDGET`] when serving). None waits as
    /// long as it takes, as `chat` and `test` do, so that they route like an idle server.
    pub semantic_budget: Option<Duration>,
    /// Put calls on hold while slow web services think (the flows' `webhooks` settings):
    /// only where the continuation route is served (`serve`), not in `chat` or `test`.
    pub holds: bool,
}

/// How long a caller's turn may wait for the sentence-embedding model (a forward pass takes
/// about 20 ms on 2 cores; waiting past this means every core is busy with other turns'
/// passes).
pub const SEMANTIC_BUDGET: Duration = Duration::from_millis(300);

impl Default for RunnerOptions {
    fn default() -> Self {
        RunnerOptions {
            clock: Arc::new(Utc::now),
            token: None,
            webhook_timeout: CALL_TIMEOUT,
            url_map: Vec::new(),
            step_wait: STEP_WAIT,
            semantic_budget: None,
            holds: false,
        }
    }
}

impl std::fmt::Debug for RunnerOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunnerOptions")
            .field("token", &self.token)
            .field("webhook_timeout", &self.webhook_timeout)
            .field("url_map", &self.url_map)
            .field("step_wait", &self.step_wait)
            .field("semantic_budget", &self.semantic_budget)
            .finish_non_exhaustive()
    }
}

/// What a turn produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Turned {
    /// The reply for the caller.
    pub reply: Reply,
    /// Some when the caller's input was routed this turn: the task, or None if the matcher
    /// declined.
    pub routed: Option<Option<String>>,
    /// Web service calls made.
    pub hops: u32,
    /// The reply puts the call on hold: say it, then send Twilio to the continuation
    /// ([`Runner::resume`]); its `next` means nothing.
    pub hold: bool,
}

/// A web service's answer, on its way.
type Answer = Pin<Box<dyn Future<Output = (WebhookResult, crate::engine::Trip)> + Send>>;

/// Holding a call while a web service thinks (the flows' `webhooks` settings).
#[derive(Debug, Clone)]
struct Hold {
    after: Duration,
    budget: Duration,
    sound: HoldSound,
}

/// Where a turn stood when its caller was put on hold.
struct OnHold {
    started: Instant,
    hops: u32,
    routed: Option<Option<String>>,
    hold: Hold,
    /// The language the call speaks, when a task switched it (the reply's).
    language: Option<String>,
}

/// A call on hold: the rest of its turn, running in a task of its own.
struct Held {
    /// The turn's result, once it has one.
    result: tokio::sync::watch::Receiver<Option<TurnResult>>,
    /// Outputs the caller heard before the hold, left out of the reply after it.
    said: usize,
    /// When the hold began.
    since: Instant,
    /// What to play while still waiting.
    sound: Output,
    /// How long a continuation waits before holding again.
    after: Duration,
    /// The language the call speaks, when a task switched it.
    language: Option<String>,
}

/// What a call's continuation gets: see [`Runner::resume`].
#[derive(Debug)]
pub enum Resumed {
    /// The turn's reply (or its failure).
    Done(TurnResult),
    /// Not ready yet: hold again.
    Holding(Reply),
    /// Nothing on hold here for this call.
    Lost,
}

/// A turn's result as the runner hands it out: shared, because a delivery's retries get the
/// very result its first delivery got.
pub type TurnResult = Result<Turned, Arc<StoreError>>;

/// Deliveries whose turn is running, by session key and idempotency token.
type InFlight = Arc<Mutex<HashMap<(String, String), Arc<Pending>>>>;

/// Runs turns against one assistant and database; cheap to clone (one shared part, so a turn
/// that may outlive its request holds it with one reference count).
#[derive(Clone)]
pub struct Runner {
    inner: Arc<Shared>,
}

/// What every clone of a [`Runner`] shares.
struct Shared {
    flows: Arc<Versions>,
    store: Store,
    webhooks: WebhookClient,
    clock: Clock,
    in_flight: InFlight,
    step_wait: Duration,
    semantic: Semantic,
    /// The per-call timeout for web services without a hold.
    webhooks_timeout: Duration,
    /// Calls on hold, by session key.
    holds: Holds,
}

/// Calls put on hold, when the server can take their continuations.
struct Holds {
    enabled: bool,
    held: Mutex<HashMap<String, Held>>,
}

impl Shared {
    fn lock_held(&self) -> std::sync::MutexGuard<'_, HashMap<String, Held>> {
        // Each change is one insert or remove: a panic elsewhere leaves the map whole.
        self.holds
            .held
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Running the sentence-embedding model for turns: on tokio's blocking threads, at most one
/// forward pass per core at a time (a pass keeps a core busy; more at once would only make
/// each slower), within the budget.
struct Semantic {
    passes: Arc<tokio::sync::Semaphore>,
    budget: Option<Duration>,
    /// Turns that routed on the strings alone because the embedding was late or failed.
    skipped: AtomicU64,
}

impl Runner {
    /// A runner on `assistant` and `store`.
    ///
    /// # Errors
    /// The HTTP client for web services could not start (a broken TLS setup).
    pub fn new(
        assistant: Arc<Assistant>,
        store: Store,
        options: RunnerOptions,
    ) -> Result<Runner, String> {
        let webhooks = WebhookClient::new(options.token, options.url_map)
            .map_err(|e| format!("cannot start the HTTP client for web services: {e}"))?;
        Ok(Runner {
            inner: Arc::new(Shared {
                flows: Arc::new(Versions::new(assistant)),
                store,
                webhooks,
                clock: options.clock,
                in_flight: InFlight::default(),
                step_wait: options.step_wait,
                webhooks_timeout: options.webhook_timeout,
                holds: Holds {
                    enabled: options.holds,
                    held: Mutex::new(HashMap::new()),
                },
                semantic: Semantic {
                    passes: Arc::new(tokio::sync::Semaphore::new(
                        std::thread::available_parallelism().map_or(1, |n| n.get()),
                    )),
                    budget: options.semantic_budget,
                    skipped: AtomicU64::new(0),
                },
            }),
        })
    }

    /// The flows new conversations start on.
    pub fn assistant(&self) -> Arc<Assistant> {
        self.inner.flows.current()
    }

    /// Every version of the flows the runner holds: the current one and those calls in
    /// progress still use. `serve` installs edits here.
    pub fn versions(&self) -> &Arc<Versions> {
        &self.inner.flows
    }

    /// The database.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Turns routed on the strings alone although the matcher has a sentence-embedding model:
    /// the embedding missed [`RunnerOptions::semantic_budget`] or the model failed.
    pub fn semantic_skipped(&self) -> u64 {
        self.inner.semantic.skipped.load(Ordering::Relaxed)
    }

    /// `input` with its utterance's embedding, when the matcher has a model: computed on a
    /// blocking thread within the budget, so a forward pass never holds up the async workers
    /// or other calls' turns (the engine step itself runs on the database's thread). Late or
    /// failed: the input as it was, and the turn routes on the strings alone.
    async fn understand(&self, input: Input) -> Input {
        let Input::Speech {
            text,
            confidence,
            embedding: None,
        } = input
        else {
            return input;
        };
        let assistant = self.inner.flows.current();
        if assistant.matcher.semantics().is_none() {
            return Input::Speech {
                text,
                confidence,
                embedding: None,
            };
        }
        let shared = Arc::clone(&self.inner);
        let said = text.clone();
        let pass = async move {
            let permit = Arc::clone(&shared.semantic.passes)
                .acquire_owned()
                .await
                .ok()?;
            tokio::task::spawn_blocking(move || {
                let _permit = permit;
                assistant.matcher.embed(&said)
            })
            .await
            .ok()
            .flatten()
            .and_then(Result::ok)
        };
        let embedding = match self.inner.semantic.budget {
            Some(budget) => tokio::time::timeout(budget, pass).await.ok().flatten(),
            None => pass.await,
        };
        if embedding.is_none() {
            let skipped = self.inner.semantic.skipped.fetch_add(1, Ordering::Relaxed) + 1;
            // Under load this happens to many turns in a row: the 1st, 2nd, 4th, 8th… say so
            // (and /health has the count) without flooding the log.
            if skipped.is_power_of_two() {
                tracing::warn!(
                    skipped,
                    "semantic matching skipped for a turn (every core busy past the budget, or \
                     the model failed): routed on the strings alone"
                );
            }
        }
        Input::Speech {
            text,
            confidence,
            embedding: embedding.map(Arc::from),
        }
    }

    /// The time now, by the runner's clock.
    pub fn now(&self) -> DateTime<Utc> {
        (self.inner.clock)()
    }

    /// Runs one turn to its reply. Each engine step is committed before the next web service
    /// call, so a crash mid-turn loses nothing the caller was told.
    ///
    /// A delivery with an idempotency token whose turn is already running (a retry of it)
    /// waits for that turn and returns its result; a turn whose request goes away moves to a
    /// task of its own, so it finishes and commits all the same.
    ///
    /// # Errors
    /// The database failed; nothing of the failed step was written.
    pub async fn turn(&self, caller: Caller, input: Input) -> TurnResult {
        let Some(token) = caller.delivery_token.clone() else {
            return self.run(&caller, input).await.map_err(Arc::new);
        };
        let key = (caller.key.clone(), token);
        let pending = {
            let mut in_flight = self
                .inner
                .in_flight
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            match in_flight.get(&key) {
                Some(first) => Err(Arc::clone(first)),
                None => {
                    let pending = Arc::new(Pending::default());
                    in_flight.insert(key.clone(), Arc::clone(&pending));
                    Ok(pending)
                }
            }
        };
        let pending = match pending {
            Ok(pending) => pending,
            Err(first) => return first.wait().await,
        };
        let runner = self.clone();
        let turn = async move {
            // Listed until this turn ends, however it ends; a retry arriving after that finds
            // the delivery's reply in the store.
            let listed = Listed {
                in_flight: &runner.inner.in_flight,
                key: Some(key),
                pending,
            };
            let result = runner.run(&caller, input).await.map_err(Arc::new);
            listed.finish(&result);
            result
        };
        RunToEnd(Some(Box::pin(turn)))
            .await
            .unwrap_or(Err(Arc::new(StoreError::EnginePanic)))
    }

    /// Runs one turn to its reply, in the caller's task.
    async fn run(&self, caller: &Caller, input: Input) -> Result<Turned, StoreError> {
        let started = Instant::now();
        // A new turn of the call supersedes whatever it was on hold for (texts never are).
        if self.inner.holds.enabled && caller.channel == crate::engine::Channel::Voice {
            self.inner.lock_held().remove(&caller.key);
        }
        let input = self.understand(input).await;
        let step = self.step(caller, input, started + REPLY_BUDGET).await?;
        // Most turns call no web service: only those look up how to hold.
        let hold = match step.reply.next {
            Next::Webhook(_) => self.hold_for(caller, step.version.as_deref()),
            _ => None,
        };
        let may_hold = hold.is_some();
        self.follow(caller, step, started, 0, None, hold, may_hold)
            .await
    }

    /// One engine step, committed, waiting for the database until `reply_by` at the latest.
    async fn step(
        &self,
        caller: &Caller,
        input: Input,
        reply_by: Instant,
    ) -> Result<crate::store::Stepped, StoreError> {
        let step = self
            .inner
            .store
            .turn(
                Arc::clone(&self.inner.flows),
                caller.clone(),
                input,
                self.now(),
                (Instant::now() + self.inner.step_wait)
                    .min(reply_by)
                    .into_std(),
            )
            .await?;
        // Counted once committed: a step rolled back never happened.
        crate::metrics::observed(&step.observed);
        Ok(step)
    }

    /// How long this caller's turn may wait for a web service before the caller is put on
    /// hold, and the hold's budget: calls only, when the server can take the continuation.
    /// The settings are those of the flows version the call runs on (`version`).
    fn hold_for(&self, caller: &Caller, version: Option<&str>) -> Option<Hold> {
        if !self.inner.holds.enabled || caller.channel != crate::engine::Channel::Voice {
            return None;
        }
        let flows = self.inner.flows.for_session(version);
        let settings = &flows.webhooks;
        Some(Hold {
            after: settings.hold_after?,
            budget: settings.budget,
            sound: settings.hold.clone(),
        })
    }

    /// Makes the web service calls a step asks for, stepping again with each answer, until the
    /// turn has its reply. With `hold`, a web service still thinking after `hold.after` puts
    /// the caller on hold: the rest of the turn goes on in a task of its own, and the reply is
    /// what was said so far and the hold sound (see [`Runner::resume`]).
    #[allow(clippy::too_many_arguments)] // a turn's state between steps, passed on whole
    async fn follow(
        &self,
        caller: &Caller,
        mut step: crate::store::Stepped,
        started: Instant,
        mut hops: u32,
        mut routed: Option<Option<String>>,
        hold: Option<Hold>,
        may_hold: bool,
    ) -> Result<Turned, StoreError> {
        // With holds a web service has the hold budget; without, what Twilio's 15 s leave.
        let (deadline, reply_by, patience) = match &hold {
            Some(hold) => (
                started + hold.budget,
                started + hold.budget + REPLY_BUDGET,
                hold.budget,
            ),
            None => (
                started + TURN_BUDGET,
                started + REPLY_BUDGET,
                self.inner.webhooks_timeout,
            ),
        };
        loop {
            if step.routed.is_some() {
                routed = step.routed.take();
            }
            let call = match step.reply.next {
                Next::Webhook(call) if hops < MAX_HOPS => call,
                _ => {
                    return Ok(Turned {
                        reply: step.reply,
                        routed,
                        hops,
                        hold: false,
                    });
                }
            };
            hops += 1;
            let said = std::mem::take(&mut step.reply.outputs);
            // The flows the step ran on: the web service's actions name their tasks, and the
            // call is held in their words.
            let flows = self.inner.flows.for_session(step.version.as_deref());
            let (answer, trip) = match &hold {
                Some(hold) if may_hold => {
                    let runner = self.clone();
                    let on = Arc::clone(&flows);
                    let mut answer: Answer = Box::pin(async move {
                        runner
                            .call_web_service(&on, &call, deadline, patience)
                            .await
                    });
                    tokio::select! {
                        answered = &mut answer => answered,
                        () = tokio::time::sleep(hold.after) => {
                            // A call a task switched to another language is held in it.
                            let language = step.reply.language.clone();
                            let mut hold = hold.clone();
                            if let Some(locale) = language.as_deref().and_then(|tag| flows.locale(tag)) {
                                hold.sound = locale.hold.clone();
                            }
                            let at = OnHold { started, hops, routed, hold, language };
                            return Ok(self.put_on_hold(caller, answer, said, at));
                        }
                    }
                }
                _ => {
                    self.call_web_service(&flows, &call, deadline, patience)
                        .await
                }
            };
            step = self
                .step(caller, Input::Webhook(answer, trip), reply_by)
                .await?;
        }
    }

    /// One web service call, counted in the metrics.
    async fn call_web_service(
        &self,
        flows: &crate::flow::Assistant,
        call: &crate::engine::WebhookCall,
        deadline: Instant,
        patience: Duration,
    ) -> (WebhookResult, crate::engine::Trip) {
        let (answer, trip) = self
            .inner
            .webhooks
            .call(flows, call, deadline, patience)
            .await;
        let outcome = match &answer {
            WebhookResult::Actions { .. } => "actions",
            WebhookResult::Valid(_) => "verdict",
            WebhookResult::Failed { .. } => "failed",
        };
        crate::metrics::webhook(outcome, trip.took);
        (answer, trip)
    }

    /// Moves the rest of a turn — the web service's answer and every step after it — to a task
    /// of its own, notes it for the call's continuation, and returns the hold reply: what the
    /// caller was to hear so far, then the hold sound.
    fn put_on_hold(
        &self,
        caller: &Caller,
        answer: Answer,
        said: Vec<Output>,
        at: OnHold,
    ) -> Turned {
        let (tx, rx) = tokio::sync::watch::channel(None);
        let runner = self.clone();
        let owned = caller.clone();
        let OnHold {
            started,
            hops,
            routed,
            hold,
            language,
        } = at;
        let reply_by = started + hold.budget + REPLY_BUDGET;
        let sound = match &hold.sound {
            HoldSound::Say(text) => Output::Say { text: text.clone() },
            HoldSound::Play(url) => Output::Play {
                url: url.clone(),
                times: 1,
            },
        };
        let background = hold.clone();
        let rest: Pin<Box<dyn Future<Output = TurnResult> + Send>> = Box::pin(async move {
            let (answer, trip) = answer.await;
            let step = runner
                .step(&owned, Input::Webhook(answer, trip), reply_by)
                .await
                .map_err(Arc::new)?;
            // Within the same budget, but never a second hold from here: the continuation
            // request holds again if it has to.
            let rest: Pin<Box<dyn Future<Output = Result<Turned, StoreError>> + Send>> =
                Box::pin(runner.follow(&owned, step, started, hops, None, Some(background), false));
            rest.await.map_err(Arc::new)
        });
        tokio::spawn(async move {
            let result = rest.await;
            // Nobody may be waiting (the caller hung up): the result is committed all the same.
            let _ = tx.send(Some(result));
        });
        let mut held = self.inner.lock_held();
        // Holds whose call went quiet long ago are dropped as new ones come.
        let stale = hold.budget + Duration::from_secs(120);
        held.retain(|_, h| h.since.elapsed() < stale);
        held.insert(
            caller.key.clone(),
            Held {
                result: rx,
                said: said.len(),
                since: Instant::now(),
                sound: sound.clone(),
                after: hold.after,
                language: language.clone(),
            },
        );
        let mut outputs = said;
        outputs.push(sound);
        Turned {
            reply: Reply {
                outputs,
                next: Next::Hangup,
                language,
            },
            routed,
            hops,
            hold: true,
        }
    }

    /// A call's continuation after a hold: the turn's reply once it is ready (without what
    /// the caller heard before the hold), or another hold if it is still not ready after the
    /// hold time. [`Resumed::Lost`] when this server holds nothing for the call (it restarted,
    /// or another server put it on hold).
    pub async fn resume(&self, caller: &Caller) -> Resumed {
        let held = self.inner.lock_held().get(&caller.key).map(|h| {
            let (sound, language) = (h.sound.clone(), h.language.clone());
            (h.result.clone(), h.said, sound, h.after, language)
        });
        let Some((mut result, said, sound, after, language)) = held else {
            return Resumed::Lost;
        };
        let ready = tokio::time::timeout(after, result.wait_for(Option::is_some)).await;
        match ready {
            Err(_) => Resumed::Holding(Reply {
                outputs: vec![sound],
                next: Next::Hangup,
                language,
            }),
            Ok(Err(_)) => Resumed::Done(Err(Arc::new(StoreError::EnginePanic))),
            Ok(Ok(done)) => {
                let result = done
                    .clone()
                    .unwrap_or(Err(Arc::new(StoreError::EnginePanic)));
                Resumed::Done(result.map(|mut turned| {
                    let heard = said.min(turned.reply.outputs.len());
                    turned.reply.outputs.drain(..heard);
                    turned
                }))
            }
        }
    }

    /// The reply for a turn that could not be saved: an apology and the end of the call, so the
    /// caller hears what happened instead of Twilio's generic error and nothing is claimed saved.
    pub fn apology(&self) -> Reply {
        Reply {
            outputs: vec![Output::Say {
                text: self.inner.flows.current().messages.error_goodbye.clone(),
            }],
            next: Next::Hangup,
            language: None,
        }
    }
}

/// A delivery's turn, run in the task of the request that brought it; if that request goes
/// away first (Twilio gave up on it), the rest of the turn moves to a task of its own, so it
/// still commits and a retry finds its reply. `None` only if polled again after its result.
///
/// Why not always a task of its own: spawning one per turn and waking the request's task from
/// it cost the web workers about a sixth more CPU per turn, for a case that is rare.
struct RunToEnd<T: Send + 'static>(Option<Pin<Box<dyn Future<Output = T> + Send>>>);

impl<T: Send + 'static> Future for RunToEnd<T> {
    type Output = Option<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let Some(turn) = self.0.as_mut() else {
            return Poll::Ready(None);
        };
        let done = ready!(turn.as_mut().poll(cx));
        self.0 = None;
        Poll::Ready(Some(done))
    }
}

impl<T: Send + 'static> Drop for RunToEnd<T> {
    fn drop(&mut self) {
        if let Some(rest) = self.0.take() {
            // Outside a runtime (it is shutting down) the rest is dropped, which ends the turn
            // at its last committed step, as a crash would.
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(async move {
                    rest.await;
                });
            }
        }
    }
}

/// A delivery's turn as its retries see it while it runs.
///
/// Lighter than a channel on purpose: almost no delivery is retried, so the first one keeps
/// its own result and a copy is made only for retries already waiting when it finishes.
#[derive(Default)]
struct Pending {
    /// The result, for the retries that were waiting.
    result: OnceLock<TurnResult>,
    /// Set once the turn has ended, with or without a result.
    finished: AtomicBool,
    /// Wakes the waiting retries when it ends.
    done: Notify,
}

impl Pending {
    /// A retry's wait for the first delivery's result.
    async fn wait(&self) -> TurnResult {
        // Made before `finished` is read: `notify_waiters` wakes every `Notified` made before
        // it, polled or not, so the end cannot slip between the check and the wait.
        let ended = self.done.notified();
        if !self.finished.load(Ordering::Acquire) {
            ended.await;
        }
        // Ended without a result: the turn was dropped (the runtime shutting down) or
        // panicked, and nothing of it was committed past its last step.
        self.result
            .get()
            .cloned()
            .unwrap_or(Err(Arc::new(StoreError::EnginePanic)))
    }
}

/// A delivery's place in the in-flight list, given up when its turn ends, however it ends.
struct Listed<'a> {
    in_flight: &'a InFlight,
    /// Taken when the entry is removed.
    key: Option<(String, String)>,
    pending: Arc<Pending>,
}

impl Listed<'_> {
    /// Leaves the list with the turn's result, copied for the retries waiting on it.
    fn finish(mut self, result: &TurnResult) {
        let mut in_flight = self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(key) = self.key.take() {
            in_flight.remove(&key);
        }
        // With the entry gone no retry can find it any more, so a count above our own copy is
        // exactly the retries already waiting.
        if Arc::strong_count(&self.pending) > 1 {
            let _ = self.pending.result.set(result.clone());
        }
        drop(in_flight);
        // `self` drops here and wakes them.
    }
}

impl Drop for Listed<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.in_flight
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&key);
        }
        self.pending.finished.store(true, Ordering::Release);
        self.pending.done.notify_waiters();
    }
}
