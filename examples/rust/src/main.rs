//! List the projects of a company and report what the SDK did on the way.
//!
//! `cargo run -p procore-example` runs against the embedded simulator (no credentials).
//! With `PROCORE_ENV` (sandbox, production, ...), `PROCORE_CLIENT_ID`, `PROCORE_CLIENT_SECRET`
//! and `PROCORE_COMPANY_ID` set, it runs against Procore with a service account
//! (client-credentials grant), keeping nothing on disk.

use futures::StreamExt;
use procore::{Client, Environment};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env_var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let mut _simulator = None;
    let (environment, client_id, client_secret, company) = match (
        env_var("PROCORE_ENV"),
        env_var("PROCORE_CLIENT_ID"),
        env_var("PROCORE_CLIENT_SECRET"),
    ) {
        (Some(env), Some(id), Some(secret)) => {
            let company: u64 = env_var("PROCORE_COMPANY_ID")
                .ok_or("set PROCORE_COMPANY_ID")?
                .parse()?;
            (Environment::from_name(&env)?, id, secret, company)
        }
        _ => {
            let sim = procore_simulator::Simulator::start(Default::default()).await?;
            println!(
                "(no PROCORE_* variables: using the local simulator at {})",
                sim.base_url()
            );
            let env = Environment::local(&sim.base_url())?;
            _simulator = Some(sim);
            (
                env,
                "sim-client-id".into(),
                "sim-client-secret".into(),
                31337,
            )
        }
    };

    let client = Client::builder()
        .environment(environment)
        .client_credentials(client_id, client_secret)
        .company_id(company)
        .user_agent("procore-example/0.1")
        .build()?;

    let mut projects = client
        .paginate("projects")
        .query("company_id", company)
        .per_page(500)
        .items();
    let (mut active, mut total) = (0, 0);
    while let Some(project) = projects.next().await {
        let project = project?;
        total += 1;
        if project["active"] == true {
            active += 1;
        }
    }
    println!("company {company}: {total} projects, {active} active");

    match client
        .get("projects")
        .query("company_id", 666)
        .company_id(666)
        .send()
        .await
    {
        Err(e) if e.code() == "app_not_connected" => {
            println!("company 666: the app is not connected (reconnect it in App Management)")
        }
        Err(e) => println!("company 666: {} ({})", e, e.code()),
        Ok(_) => println!("company 666: reachable"),
    }
    if let Some(tokens) = client.tokens().current_tokens() {
        println!(
            "token set version {} (fetched by the SDK, never printed)",
            tokens.version
        );
    }
    Ok(())
}
