#!/usr/bin/env bash
# The GitHub side of delivery, from the bootstrap's outputs (docs/runbook.md, step 8; docs/github-setup.md).
#
#   bash scripts/github-setup.sh --repo OWNER/REPO --outputs-dir DIR \
#       [--stacks dev,staging,prod] [--reviewers user1,team:org/team] [--dry-run]
#
# DIR holds bootstrap-<stack>.json (`pulumi stack output --json` of each bootstrap stack) and, optionally,
# main-<stack>.json (the main stack's outputs, for SMOKE_CLIENT_ID). Needs gh, signed in with admin rights on the
# repository, and jq. Every check runs before the first change; prod without a required reviewer is an error.
#
# Exit status: 0 done, 1 failure, 2 usage error, 3 prod (or a preview environment) would run unreviewed.
# Written for the bash 3.2 macOS ships too (no associative arrays, no mapfile); needs jq 1.6 or later (--args).
set -euo pipefail

readonly DEPLOY_BRANCH=main
# The required check: pull-request.yml's job `test` calls test.yml, whose job is named "test (no cloud
# credentials)"; GitHub names a reusable workflow's check "<caller job> / <called job>".
readonly TEST_CHECK="test / test (no cloud credentials)"
# The GitHub Actions app on github.com: only it may report the required check.
readonly GITHUB_ACTIONS_APP_ID=15368
readonly MAX_REVIEWERS=6 # GitHub's limit for an environment's required reviewers
readonly PLAN_DOCS="https://docs.github.com/en/actions/managing-workflow-runs-and-deployments/managing-deployments/reviewing-deployments"
readonly GUID='^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$'

usage() {
    cat <<'EOF'
Usage: bash scripts/github-setup.sh --repo OWNER/REPO --outputs-dir DIR
                                    [--stacks dev,staging,prod] [--reviewers user1,team:org/team] [--dry-run]

Sets the GitHub side of delivery from the bootstrap's outputs: the environments (each stack's, the preview
environment the bootstrap names, e.g. prod-preview, and the drift audit's, e.g. prod-audit), their variables,
the repository variables, protection of main, and approval for fork pull-request workflows.

  --repo OWNER/REPO     the platform repository (this one)
  --outputs-dir DIR     holds bootstrap-<stack>.json and, optionally, main-<stack>.json
  --stacks LIST         comma-separated stacks (default dev,staging,prod)
  --reviewers LIST      who approves prod and its previews: GitHub logins and team:ORG/SLUG (at most 6);
                        required when a prod stack is in --stacks
  --dry-run             print every change (method, path, body) instead of making it; reads still run
EOF
}

say() { printf '%s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}
usage_error() {
    printf 'error: %s\n\n' "$*" >&2
    usage >&2
    exit 2
}
lower() { printf '%s' "${1,,}"; }
upper_name() {
    local name=${1^^}
    printf '%s' "${name//-/_}"
}

# An environment would run without anyone's approval: the one failure this script exists to prevent.
unreviewed() { # what why [advice: plan (default) or none]
    printf 'error: %s would deploy unreviewed: %s\n' "$1" "$2" >&2
    [[ ${3-plan} == plan ]] || exit 3
    cat >&2 <<EOF
GitHub offers required reviewers on environments of private and internal repositories only with GitHub
Enterprise; on GitHub Free, Pro and Team only public repositories have them ($PLAN_DOCS).
Do one of:
  - make $REPO public (gh repo edit $REPO --visibility public --accept-visibility-change-consequences);
  - move it to an organization on GitHub Enterprise Cloud, or upgrade its owner's plan to GitHub Enterprise;
then run this script again. Leaving prod out (--stacks dev,staging) is no way round it: prod's deployer trusts
jobs in the environment 'prod', and GitHub creates that environment, unprotected, for any workflow naming it.
EOF
    exit 3
}

# --- arguments ---------------------------------------------------------------------------------------------------

REPO=""
OUTPUTS_DIR=""
STACKS_CSV="dev,staging,prod"
REVIEWERS_CSV=""
DRY_RUN=0
while (($#)); do
    case $1 in
    --repo | --outputs-dir | --stacks | --reviewers)
        (($# >= 2)) || usage_error "$1 needs a value"
        case $1 in
        --repo) REPO=$2 ;;
        --outputs-dir) OUTPUTS_DIR=$2 ;;
        --stacks) STACKS_CSV=$2 ;;
        --reviewers) REVIEWERS_CSV=$2 ;;
        esac
        shift 2
        ;;
    --dry-run)
        DRY_RUN=1
        shift
        ;;
    -h | --help)
        usage
        exit 0
        ;;
    *) usage_error "unknown argument: $1" ;;
    esac
done
[[ $REPO =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]] || usage_error "--repo OWNER/REPO is required (got '$REPO')"
[[ -n $OUTPUTS_DIR ]] || usage_error "--outputs-dir DIR is required"
[[ -d $OUTPUTS_DIR ]] || usage_error "--outputs-dir: no such directory: $OUTPUTS_DIR"
OWNER=${REPO%%/*}

IFS=, read -r -a STACKS <<<"$STACKS_CSV"
((${#STACKS[@]})) || usage_error "--stacks names no stack"
for stack in "${STACKS[@]}"; do
    [[ $stack =~ ^[a-z0-9][a-z0-9-]*$ ]] || usage_error "--stacks: '$stack' is not a stack name"
done
REVIEWER_SPECS=()
if [[ -n $REVIEWERS_CSV ]]; then
    IFS=, read -r -a REVIEWER_SPECS <<<"$REVIEWERS_CSV"
fi
((${#REVIEWER_SPECS[@]} <= MAX_REVIEWERS)) || usage_error "--reviewers: GitHub allows at most $MAX_REVIEWERS"

# --- tools -------------------------------------------------------------------------------------------------------

command -v gh >/dev/null 2>&1 || die "gh (the GitHub CLI) is not installed: https://cli.github.com/"
command -v jq >/dev/null 2>&1 || die "jq is not installed: https://jqlang.org/download/ (e.g. apt-get install jq, brew install jq)"
# Only the exit status: nothing gh prints about the sign-in (or its token) reaches this script's output.
gh auth status >/dev/null 2>&1 || die "gh is not signed in: run 'gh auth login' as an administrator of $REPO"

# --- GitHub calls ------------------------------------------------------------------------------------------------

api_get() { gh api "$1"; }

# A change: printed with its body under --dry-run instead of being made.
api_write() { # method path [body [what, for the log]]
    local method=$1 path=$2 body=${3-} what=${4-}
    if ((DRY_RUN)); then
        say "dry-run: $method /$path${body:+ $body}"
        return 0
    fi
    say "  $method /$path${what:+ ($what)}"
    if [[ -n $body ]]; then
        printf '%s' "$body" | gh api --method "$method" "$path" --input - >/dev/null
    else
        gh api --method "$method" "$path" >/dev/null </dev/null
    fi
}

# A list read, every page; under --dry-run a missing environment (not created yet) reads as empty.
api_list() { # path key
    local listed
    if listed=$(gh api --paginate "$1" | jq -s --arg key "$2" '[.[][$key][]?]'); then
        printf '%s\n' "$listed"
    elif ((DRY_RUN)); then
        printf '[]\n'
    else
        die "cannot read /$1"
    fi
}

# --- the repository and its owner's plan -------------------------------------------------------------------------

# GET /repos/{owner}/{repo} — https://docs.github.com/en/rest/repos/repos#get-a-repository
REPO_JSON=$(api_get "repos/$REPO") || die "cannot read $REPO: does it exist, and is gh signed in to the right host?"
# Visibility, owner type, admin or not, and the repository as immutable OIDC subjects name it (`repo:OWNER@ID/REPO@ID`).
REPO_FACTS=$(jq -r '(.visibility // (if .private then "private" else "public" end)), (.owner.type // ""),
    (.permissions.admin == true), ("repo:\(.owner.login)@\(.owner.id)/\(.name)@\(.id)" | ascii_downcase)' <<<"$REPO_JSON")
{
    read -r VISIBILITY
    read -r OWNER_TYPE
    read -r IS_ADMIN
    read -r IMMUTABLE_PREFIX
} <<<"$REPO_FACTS"
[[ $IS_ADMIN == true ]] ||
    die "the account gh is signed in with is not an administrator of $REPO (environments and branch protection need admin)"
CLASSIC_PREFIX=$(lower "repo:$REPO") # ... and as classic subjects name it

# The owner's plan where GitHub shows it: to organization owners (GET /orgs/{org} —
# https://docs.github.com/en/rest/orgs/orgs#get-an-organization), and for a personal account to its own user
# (GET /user — https://docs.github.com/en/rest/users/users#get-the-authenticated-user). Empty when unreadable.
owner_plan() {
    if [[ $OWNER_TYPE == Organization ]]; then
        { api_get "orgs/$OWNER" 2>/dev/null || true; } | jq -r '.plan.name // empty'
    else
        { api_get user 2>/dev/null || true; } |
            jq -r --arg owner "$(lower "$OWNER")" 'select((.login // "" | ascii_downcase) == $owner) | .plan.name // empty'
    fi
}

# --- the bootstrap's outputs -------------------------------------------------------------------------------------

# The values of the keys, one per line, then a line "end" (so that empty last values survive); a key absent or
# null reads as an empty line. One jq call per file.
outputs_of() { # file key...
    local file=$1
    shift
    jq -r 'if type != "object" then error("not an object") else . end | . as $outputs
        | ($ARGS.positional[] | $outputs[.] // "" | if type == "string" then . else tojson end), "end"' \
        "$file" --args "$@" 2>/dev/null || die "$file is not the JSON of 'pulumi stack output --json'"
}

guid() { # file key value: dies unless the value is a GUID
    [[ $3 =~ $GUID ]] || die "$1: $2 is '$3', not a GUID (outputs of 'pulumi stack output --json')"
}

bootstrap_file() { printf '%s/bootstrap-%s.json' "$OUTPUTS_DIR" "$1"; }
main_file() { printf '%s/main-%s.json' "$OUTPUTS_DIR" "$1"; }

subject_of() { # subject -> what follows the repository, lowercased; empty when the subject is another repository's
    local subject
    subject=$(lower "$1")
    case $subject in
    "$CLASSIC_PREFIX":* | "$IMMUTABLE_PREFIX":*) printf '%s' "${subject#repo:*:}" ;;
    esac
}

# Per stack (same index as STACKS): what the bootstrap (and the main stack) exported.
DEPLOYER_IDS=() PREVIEW_IDS=() TENANTS=() SUBSCRIPTIONS=() BACKENDS=() SMOKE_IDS=()
PREVIEW_ENVS=()  # its preview environment, or "-" when its previews run without one
AUDIT_IDS=()     # the drift auditor's client id, trusted in AUDIT_ENVS (<stack>-audit)
AUDIT_ENVS=()
OTHER_ENVS=()    # every stack's deploy and preview environments, which no audit environment may also be
REVIEWED_ENVS=() # environments whose jobs wait for a reviewer
MATRIX_TENANT="" # the tenant and subscription of the previews without an environment (repository variables)
MATRIX_SUBSCRIPTION=""
for i in "${!STACKS[@]}"; do
    stack=${STACKS[$i]}
    file=$(bootstrap_file "$stack")
    [[ -f $file ]] || die "$file is missing: run 'pulumi stack output --stack $stack --json > $file' in bootstrap/"
    values=$(outputs_of "$file" githubEnvironment environment deployerClientId previewClientId tenantId \
        subscriptionId stateBackendUrl deployerSubject previewSubject previewEnvironment auditClientId auditEnvironment)
    {
        read -r OUT_githubEnvironment
        read -r OUT_environment
        read -r OUT_deployerClientId
        read -r OUT_previewClientId
        read -r OUT_tenantId
        read -r OUT_subscriptionId
        read -r OUT_stateBackendUrl
        read -r OUT_deployerSubject
        read -r OUT_previewSubject
        read -r OUT_previewEnvironment
        read -r OUT_auditClientId
        read -r OUT_auditEnvironment
    } <<<"$values"
    [[ $OUT_githubEnvironment == "$stack" ]] ||
        die "$file: githubEnvironment is '$OUT_githubEnvironment', not '$stack': outputs of another stack?"
    guid "$file" deployerClientId "$OUT_deployerClientId"
    guid "$file" previewClientId "$OUT_previewClientId"
    guid "$file" tenantId "$OUT_tenantId"
    guid "$file" subscriptionId "$OUT_subscriptionId"
    [[ $OUT_stateBackendUrl == azblob://* ]] || die "$file: stateBackendUrl is not an azblob:// URL"

    # The identities must trust this repository's jobs, in the environments this script sets up.
    [[ $(subject_of "$OUT_deployerSubject") == "environment:$stack" ]] ||
        die "$file: the deployer trusts '$OUT_deployerSubject', not jobs of $REPO in the environment '$stack' (was the bootstrap run for another repository?)"
    preview_env=$OUT_previewEnvironment
    if [[ -n $preview_env ]]; then
        [[ $preview_env =~ ^[a-z0-9][a-z0-9-]*$ ]] || die "$file: previewEnvironment '$preview_env' is not an environment name"
        expected="environment:$preview_env"
    elif [[ $OUT_environment == prod ]]; then
        die "$file names no previewEnvironment: a bootstrap from before prod's previews ran in a protected environment, whose preview reader trusts every pull request; run the bootstrap's 'pulumi up --stack $stack' again and export its outputs"
    else
        expected="pull_request"
    fi
    [[ $(subject_of "$OUT_previewSubject") == "$expected" ]] ||
        die "$file: the preview reader trusts '$OUT_previewSubject', not jobs of $REPO ($expected)"

    # The drift auditor (read-only, scheduled): it trusts exactly the jobs of this repository in '<stack>-audit'.
    missing=""
    [[ -n $OUT_auditClientId ]] || missing=auditClientId
    [[ -n $OUT_auditEnvironment ]] || missing="${missing:+$missing and }auditEnvironment"
    [[ -z $missing ]] ||
        die "$file names no $missing: a bootstrap from before the drift auditor; run the bootstrap's 'pulumi up --stack $stack' again and export its outputs ('pulumi stack output --stack $stack --json > $file' in bootstrap/)"
    [[ $OUT_auditEnvironment == "$stack-audit" ]] ||
        die "$file: auditEnvironment is '$OUT_auditEnvironment', not '$stack-audit': the drift auditor trusts jobs in '$stack-audit' only (outputs of another stack?)"
    guid "$file" auditClientId "$OUT_auditClientId"

    DEPLOYER_IDS[i]=$OUT_deployerClientId
    PREVIEW_IDS[i]=$OUT_previewClientId
    TENANTS[i]=$OUT_tenantId
    SUBSCRIPTIONS[i]=$OUT_subscriptionId
    BACKENDS[i]=$OUT_stateBackendUrl
    PREVIEW_ENVS[i]=${preview_env:--}
    AUDIT_IDS[i]=$OUT_auditClientId
    AUDIT_ENVS[i]=$OUT_auditEnvironment
    OTHER_ENVS+=("$stack" ${preview_env:+"$preview_env"})
    if [[ $OUT_environment == prod ]]; then REVIEWED_ENVS+=("$stack"); fi
    if [[ -n $preview_env ]]; then
        REVIEWED_ENVS+=("$preview_env")
    elif [[ -z $MATRIX_TENANT ]]; then
        MATRIX_TENANT=$OUT_tenantId
        MATRIX_SUBSCRIPTION=$OUT_subscriptionId
    elif [[ $OUT_tenantId != "$MATRIX_TENANT" || $OUT_subscriptionId != "$MATRIX_SUBSCRIPTION" ]]; then
        die "$file: tenant $OUT_tenantId / subscription $OUT_subscriptionId differ from another stack's, but the pull-request previews outside an environment share one AZURE_TENANT_ID and AZURE_SUBSCRIPTION_ID"
    fi

    main=$(main_file "$stack")
    SMOKE_IDS[i]=""
    if [[ ! -f $main ]]; then
        warn "$main is missing: SMOKE_CLIENT_ID is not set in $stack (the main stack's cicdClientId, once it is deployed)"
    else
        values=$(outputs_of "$main" cicdClientId)
        OUT_cicdClientId=${values%%$'\n'*}
        if [[ -z $OUT_cicdClientId ]]; then
            warn "$main has no cicdClientId: SMOKE_CLIENT_ID is not set in $stack"
        else
            guid "$main" cicdClientId "$OUT_cicdClientId"
            SMOKE_IDS[i]=$OUT_cicdClientId
        fi
    fi
done
# An audit environment that is also a stack's or a preview environment (stacks 'x' and 'x-audit' together) would
# be set up twice, with two identities' AZURE_CLIENT_ID and either reviewers or none: refused before any change.
for audit_env in "${AUDIT_ENVS[@]}"; do
    for env in "${OTHER_ENVS[@]}"; do
        [[ $audit_env != "$env" ]] ||
            die "the environment '$env' would be both the drift audit's and a stack's deploy or preview environment: run the stacks apart (--stacks)"
    done
done

# --- reviewers, and whether GitHub will keep them ----------------------------------------------------------------

# [{type, id}] for the environments' `reviewers`: GET /users/{username}
# (https://docs.github.com/en/rest/users/users#get-a-user) and GET /orgs/{org}/teams/{team_slug}
# (https://docs.github.com/en/rest/teams/teams#get-a-team-by-name).
REVIEWERS_JSON='[]'
for spec in ${REVIEWER_SPECS[@]+"${REVIEWER_SPECS[@]}"}; do
    case $spec in
    team:?*/?*)
        team=${spec#team:}
        reviewer=$(api_get "orgs/${team%%/*}/teams/${team#*/}" | jq -c '{type: "Team", id: .id}') ||
            die "--reviewers: no team $team (or no right to read it)"
        ;;
    team:*) usage_error "--reviewers: a team is team:ORG/SLUG (got '$spec')" ;;
    *)
        [[ $spec =~ ^[A-Za-z0-9-]+$ ]] || usage_error "--reviewers: '$spec' is neither a login nor team:ORG/SLUG"
        reviewer=$(api_get "users/$spec" | jq -c '{type: "User", id: .id}') || die "--reviewers: no GitHub user $spec"
        ;;
    esac
    REVIEWERS_JSON=$(jq -c --argjson reviewer "$reviewer" '. + [$reviewer] | unique' <<<"$REVIEWERS_JSON")
done

if ((${#REVIEWED_ENVS[@]})); then
    what=$(printf '%s, ' "${REVIEWED_ENVS[@]}")
    what=${what%, }
    [[ $REVIEWERS_JSON != '[]' ]] ||
        unreviewed "$what" "no --reviewers given; name who approves (logins, team:ORG/SLUG)" none
    if [[ $VISIBILITY != public ]]; then
        plan=$(owner_plan)
        case $plan in
        enterprise | enterprise_* | business_plus) ;; # GitHub Enterprise: required reviewers everywhere
        free | pro | team | developer)
            unreviewed "$what" "$REPO is $VISIBILITY and the plan of $OWNER is '$plan'. Nothing was changed."
            ;;
        "") warn "$REPO is $VISIBILITY and the plan of $OWNER is not readable with this account: whether GitHub keeps required reviewers is checked after setting them" ;;
        *) warn "$REPO is $VISIBILITY and the plan of $OWNER is '$plan', which this script does not know: whether GitHub keeps required reviewers is checked after setting them" ;;
        esac
    fi
elif ((${#REVIEWER_SPECS[@]})); then
    warn "--reviewers given, but no stack in --stacks is a prod stack: nobody is made a reviewer"
fi

is_reviewed() {
    local env
    for env in ${REVIEWED_ENVS[@]+"${REVIEWED_ENVS[@]}"}; do [[ $env == "$1" ]] && return 0; done
    return 1
}

((DRY_RUN)) && say "Dry run: nothing is changed on $REPO; reads still run."

# --- 1. environments ---------------------------------------------------------------------------------------------

# PUT /repos/{owner}/{repo}/environments/{environment_name}
#   https://docs.github.com/en/rest/deployments/environments#create-or-update-an-environment
# Deploy environments: custom branch policies (only main, below). Reviewed ones (prod, its preview environment):
# required reviewers, prevent_self_review, no wait, and can_admins_bypass false (accepted by the endpoint,
# though not in its reference). A preview environment too takes only main: prod's preview (preview-prod.yml) is
# started from main, for the pull request it names.
environment_body() { # branch-policy(1/0) reviewed(1/0)
    jq -nc --argjson main_only "$1" --argjson reviewed "$2" --argjson reviewers "$REVIEWERS_JSON" '
        {deployment_branch_policy: (if $main_only == 1
            then {protected_branches: false, custom_branch_policies: true} else null end)}
        + (if $reviewed == 1
            then {wait_timer: 0, prevent_self_review: true, can_admins_bypass: false, reviewers: $reviewers}
            else {} end)'
}

put_environment() { # name branch-policy(1/0)
    local env=$1 reviewed=0
    if is_reviewed "$env"; then reviewed=1; fi
    if ! api_write PUT "repos/$REPO/environments/$env" "$(environment_body "$2" "$reviewed")"; then
        ((reviewed)) && unreviewed "$env" "GitHub refused $env with required reviewers (its answer is above; if it names a reviewer, give that reviewer read access to $REPO instead)."
        die "GitHub refused the environment $env (its answer is above)"
    fi
}

# Only main may deploy: GET, POST and DELETE /repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies
#   https://docs.github.com/en/rest/deployments/branch-policies#list-deployment-branch-policies
#   https://docs.github.com/en/rest/deployments/branch-policies#create-a-deployment-branch-policy
#   https://docs.github.com/en/rest/deployments/branch-policies#delete-a-deployment-branch-policy
only_main_deploys() { # environment
    local base="repos/$REPO/environments/$1/deployment-branch-policies" policies verdict id
    policies=$(api_list "$base?per_page=100" branch_policies)
    # First line: whether main is there; then the ids of every other policy.
    verdict=$(jq -r --arg branch "$DEPLOY_BRANCH" 'map(.main = (.name == $branch and (.type // "branch") == "branch"))
        | (if any(.[]; .main) then "kept" else "missing" end), (.[] | select(.main | not) | .id)' <<<"$policies")
    if [[ ${verdict%%$'\n'*} == missing ]]; then
        api_write POST "$base" "{\"name\":\"$DEPLOY_BRANCH\",\"type\":\"branch\"}"
    fi
    for id in ${verdict#*$'\n'}; do
        [[ $id == kept || $id == missing ]] || api_write DELETE "$base/$id"
    done
}

say "== environments"
for i in "${!STACKS[@]}"; do
    put_environment "${STACKS[$i]}" 1
    only_main_deploys "${STACKS[$i]}"
    if [[ ${PREVIEW_ENVS[$i]} != - ]]; then
        put_environment "${PREVIEW_ENVS[$i]}" 1
        only_main_deploys "${PREVIEW_ENVS[$i]}"
    fi
    # The drift audit's environment: only main (the branch scheduled workflows run on), and no required reviewers,
    # whatever the stack: its job only reads, and it runs on a schedule that nobody would be there to approve.
    put_environment "${AUDIT_ENVS[$i]}" 1
    only_main_deploys "${AUDIT_ENVS[$i]}"
done

# Read back what GitHub kept: GET /repos/{owner}/{repo}/environments/{environment_name}
#   https://docs.github.com/en/rest/deployments/environments#get-an-environment
# A plan without the feature may accept the rule and drop it; only the read-back tells.
verify_reviewed() { # environment
    local env=$1 got verdict
    got=$(api_get "repos/$REPO/environments/$env") || die "cannot read back the environment $env"
    verdict=$(jq -r --argjson want "$REVIEWERS_JSON" '(
        first(.protection_rules[]? | select(.type == "required_reviewers" and ((.reviewers // []) | length) > 0)) as $rule
        | ([$rule.reviewers[] | {type, id: .reviewer.id}] | unique) as $kept
        | if $rule.prevent_self_review != true then "self-review"
          elif $kept != $want then "reviewers \($kept | tojson)"
          elif .can_admins_bypass == true then "bypass"
          else "ok \($kept | length)" end
        ) // "missing"' <<<"$got")
    case $verdict in
    ok*) say "  $env: waits for one of ${verdict#ok } reviewer(s); self-review prevented" ;;
    self-review) die "$env: read back without prevent_self_review: whoever starts a run could approve it" ;;
    reviewers*) die "$env: read back with other reviewers than --reviewers: ${verdict#reviewers }" ;;
    bypass) die "$env: read back with can_admins_bypass true: administrators could deploy without review" ;;
    missing) unreviewed "$env" "GitHub took the settings but $env has no required reviewers when read back (GET /repos/$REPO/environments/$env)." ;;
    *) die "$env: unexpected read-back: $verdict" ;;
    esac
}
for env in ${REVIEWED_ENVS[@]+"${REVIEWED_ENVS[@]}"}; do
    if ((DRY_RUN)); then say "dry-run: then read back /repos/$REPO/environments/$env and check its reviewers"; else verify_reviewed "$env"; fi
done

# --- 2, 3. variables ---------------------------------------------------------------------------------------------

# Create, update or leave as it is, after one list per scope:
#   environment: GET/POST /repos/{owner}/{repo}/environments/{environment_name}/variables, PATCH .../variables/{name}
#     https://docs.github.com/en/rest/actions/variables#list-environment-variables
#     https://docs.github.com/en/rest/actions/variables#create-an-environment-variable
#     https://docs.github.com/en/rest/actions/variables#update-an-environment-variable
#   repository: GET/POST /repos/{owner}/{repo}/actions/variables, PATCH .../actions/variables/{name}
#     https://docs.github.com/en/rest/actions/variables#list-repository-variables
#     https://docs.github.com/en/rest/actions/variables#create-a-repository-variable
#     https://docs.github.com/en/rest/actions/variables#update-a-repository-variable
set_variables() { # base-path NAME=VALUE...
    local base=$1 existing plan state name body
    shift
    existing=$(api_list "$base?per_page=30" variables)
    LISTED_VARIABLES=$existing # what the scope held before, for the caller
    # One line per variable: absent|same|other, its name, the request body.
    plan=$(jq -rn --argjson existing "$existing" '$ARGS.positional[] | index("=") as $at
        | {name: .[:$at], value: .[$at + 1:]} as $want
        | [$existing[] | select(.name == $want.name)] as $have
        | (if $have == [] then "absent" elif $have[0].value == $want.value then "same" else "other" end)
        + "\t\($want.name)\t\($want | tojson)"' --args "$@")
    while IFS=$'\t' read -r state name body; do
        case $state in
        absent) api_write POST "$base" "$body" "$name" ;;
        other) api_write PATCH "$base/$name" "$body" ;;
        same) say "  $name unchanged (/$base)" ;;
        esac
    done <<<"$plan"
}

say "== environment variables"
for i in "${!STACKS[@]}"; do
    stack=${STACKS[$i]}
    # Tenant and subscription also per environment: each environment's own stack decides, even where it differs
    # from the repository-wide values of the previews without an environment.
    shared=("AZURE_TENANT_ID=${TENANTS[$i]}" "AZURE_SUBSCRIPTION_ID=${SUBSCRIPTIONS[$i]}" "PULUMI_BACKEND_URL=${BACKENDS[$i]}")
    variables=("AZURE_CLIENT_ID=${DEPLOYER_IDS[$i]}" "${shared[@]}")
    [[ -z ${SMOKE_IDS[$i]} ]] || variables+=("SMOKE_CLIENT_ID=${SMOKE_IDS[$i]}")
    set_variables "repos/$REPO/environments/$stack/variables" "${variables[@]}"
    if [[ ${PREVIEW_ENVS[$i]} != - ]]; then
        set_variables "repos/$REPO/environments/${PREVIEW_ENVS[$i]}/variables" "AZURE_CLIENT_ID=${PREVIEW_IDS[$i]}" "${shared[@]}"
    fi
    # The drift audit signs in as the auditor (azure/login); no PULUMI_BACKEND_URL: it renders from the
    # repository's stack files and has no access to the state.
    set_variables "repos/$REPO/environments/${AUDIT_ENVS[$i]}/variables" "AZURE_CLIENT_ID=${AUDIT_IDS[$i]}" \
        "AZURE_TENANT_ID=${TENANTS[$i]}" "AZURE_SUBSCRIPTION_ID=${SUBSCRIPTIONS[$i]}"
done

say "== repository variables"
# Only from stacks previewed without an environment: a run for prod alone leaves dev's and staging's values be.
repository_variables=()
[[ -z $MATRIX_TENANT ]] ||
    repository_variables+=("AZURE_TENANT_ID=$MATRIX_TENANT" "AZURE_SUBSCRIPTION_ID=$MATRIX_SUBSCRIPTION")
stale=()
for i in "${!STACKS[@]}"; do
    suffix=$(upper_name "${STACKS[$i]}")
    if [[ ${PREVIEW_ENVS[$i]} == - ]]; then
        repository_variables+=("PREVIEW_CLIENT_ID_$suffix=${PREVIEW_IDS[$i]}" "PULUMI_BACKEND_URL_$suffix=${BACKENDS[$i]}")
    else
        stale+=("PREVIEW_CLIENT_ID_$suffix") # read by nothing once the stack's previews run in their environment
    fi
done
if ((${#repository_variables[@]})); then
    set_variables "repos/$REPO/actions/variables" "${repository_variables[@]}"
else
    say "  none: every stack in --stacks previews in its own environment"
    LISTED_VARIABLES=$(api_list "repos/$REPO/actions/variables?per_page=30" variables)
fi
for name in ${stale[@]+"${stale[@]}"}; do
    if jq -e --arg name "$name" 'any(.[]; .name == $name)' <<<"$LISTED_VARIABLES" >/dev/null; then
        warn "repository variable $name is left from before the previews ran in an environment; once no workflow reads it: gh variable delete $name --repo $REPO (and PULUMI_BACKEND_URL_${name#PREVIEW_CLIENT_ID_})"
    fi
done

# --- 4. branch protection ----------------------------------------------------------------------------------------

# PUT /repos/{owner}/{repo}/branches/{branch}/protection
#   https://docs.github.com/en/rest/branches/branch-protection#update-branch-protection
say "== protection of $DEPLOY_BRANCH"
protection=$(jq -nc --arg check "$TEST_CHECK" --argjson app "$GITHUB_ACTIONS_APP_ID" '{
    required_status_checks: {strict: true, checks: [{context: $check, app_id: $app}]},
    enforce_admins: true,
    required_pull_request_reviews: {dismiss_stale_reviews: true, require_code_owner_reviews: false,
        required_approving_review_count: 1, require_last_push_approval: true},
    restrictions: null,
    allow_force_pushes: false,
    allow_deletions: false
}')
api_write PUT "repos/$REPO/branches/$DEPLOY_BRANCH/protection" "$protection" ||
    die "GitHub refused to protect $DEPLOY_BRANCH (its answer is above): does the branch exist? Private repositories on GitHub Free have no branch protection."

# --- 5. fork pull requests ---------------------------------------------------------------------------------------

say "== workflows of fork pull requests"
if [[ $VISIBILITY == public ]]; then
    # PUT /repos/{owner}/{repo}/actions/permissions/fork-pr-contributor-approval (public repositories only)
    #   https://docs.github.com/en/rest/actions/permissions#set-fork-pr-contributor-approval-permissions-for-a-repository
    api_write PUT "repos/$REPO/actions/permissions/fork-pr-contributor-approval" \
        '{"approval_policy":"all_external_contributors"}' ||
        die "GitHub refused the fork pull-request approval policy (its answer is above)"
else
    # GET/PUT /repos/{owner}/{repo}/actions/permissions/fork-pr-workflows-private-repos (private and internal)
    #   https://docs.github.com/en/rest/actions/permissions#get-private-repo-fork-pr-workflow-settings-for-a-repository
    #   https://docs.github.com/en/rest/actions/permissions#set-private-repo-fork-pr-workflow-settings-for-a-repository
    forks=$(api_get "repos/$REPO/actions/permissions/fork-pr-workflows-private-repos" 2>/dev/null || printf '{}')
    if jq -e '.run_workflows_from_fork_pull_requests == false' <<<"$forks" >/dev/null; then
        say "  fork pull requests run no workflows in $REPO: nothing to approve"
    else
        api_write PUT "repos/$REPO/actions/permissions/fork-pr-workflows-private-repos" \
            '{"run_workflows_from_fork_pull_requests":true,"send_write_tokens_to_workflows":false,"send_secrets_and_variables":false,"require_approval_for_fork_pr_workflows":true}' ||
            die "GitHub refused the fork pull-request workflow settings (its answer is above); the organization's Actions policy may decide them"
    fi
fi

if ((DRY_RUN)); then
    say "Dry run done: nothing was changed on $REPO."
else
    say "Done: $REPO is set up for delivery."
fi
