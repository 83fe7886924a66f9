//! Scenario tests for the load drivers, run only as child processes (`--ignored scenarios::…`).

use seaworthy::prelude::*;

/// A busybox container that logs `ready` and then idles.
fn idle_box(name: &str) -> ContainerDefinition {
    ContainerDefinition::new(name, "seaworthy-test/busybox")
        .command(["sh", "-c", "echo ready; exec sleep 600"])
        .wait_for(Wait::logs(["^ready$"]))
}

/// 200 tests sharing one module-scoped container.
pub(crate) mod shared {
    use super::*;

    #[fixture(scope = "module")]
    fn shared_box() -> ContainerDefinition {
        idle_box("shared_box")
    }

    macro_rules! tests {
        ($($t:ident)*) => {$(
            #[container_test]
            #[ignore = "a scenario of load::one_module_container_serves_200_tests"]
            async fn $t(shared_box: &ContainerDefinition) {
                let out = shared_box.exec_ok(["echo", stringify!($t)]).await.unwrap();
                assert_eq!(out.stdout_str().trim(), stringify!($t));
            }
        )*};
    }
    tests!(
    t000 t001 t002 t003 t004 t005 t006 t007 t008 t009 t010 t011 t012 t013 t014 t015
    t016 t017 t018 t019 t020 t021 t022 t023 t024 t025 t026 t027 t028 t029 t030 t031
    t032 t033 t034 t035 t036 t037 t038 t039 t040 t041 t042 t043 t044 t045 t046 t047
    t048 t049 t050 t051 t052 t053 t054 t055 t056 t057 t058 t059 t060 t061 t062 t063
    t064 t065 t066 t067 t068 t069 t070 t071 t072 t073 t074 t075 t076 t077 t078 t079
    t080 t081 t082 t083 t084 t085 t086 t087 t088 t089 t090 t091 t092 t093 t094 t095
    t096 t097 t098 t099 t100 t101 t102 t103 t104 t105 t106 t107 t108 t109 t110 t111
    t112 t113 t114 t115 t116 t117 t118 t119 t120 t121 t122 t123 t124 t125 t126 t127
    t128 t129 t130 t131 t132 t133 t134 t135 t136 t137 t138 t139 t140 t141 t142 t143
    t144 t145 t146 t147 t148 t149 t150 t151 t152 t153 t154 t155 t156 t157 t158 t159
    t160 t161 t162 t163 t164 t165 t166 t167 t168 t169 t170 t171 t172 t173 t174 t175
    t176 t177 t178 t179 t180 t181 t182 t183 t184 t185 t186 t187 t188 t189 t190 t191
    t192 t193 t194 t195 t196 t197 t198 t199
    );
}

/// 64 tests with a container each.
pub(crate) mod own {
    use super::*;

    #[fixture]
    fn own_box() -> ContainerDefinition {
        idle_box("own_box")
    }

    macro_rules! tests {
        ($($t:ident)*) => {$(
            #[container_test]
            #[ignore = "a scenario of load::function_containers_keep_descriptors_and_threads_bounded"]
            async fn $t(own_box: &ContainerDefinition) {
                let out = own_box.exec_ok(["echo", stringify!($t)]).await.unwrap();
                assert_eq!(out.stdout_str().trim(), stringify!($t));
            }
        )*};
    }
    tests!(
    t00 t01 t02 t03 t04 t05 t06 t07 t08 t09 t10 t11 t12 t13 t14 t15
    t16 t17 t18 t19 t20 t21 t22 t23 t24 t25 t26 t27 t28 t29 t30 t31
    t32 t33 t34 t35 t36 t37 t38 t39 t40 t41 t42 t43 t44 t45 t46 t47
    t48 t49 t50 t51 t52 t53 t54 t55 t56 t57 t58 t59 t60 t61 t62 t63
    );
}
